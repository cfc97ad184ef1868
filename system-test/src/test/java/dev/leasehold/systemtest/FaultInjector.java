package dev.leasehold.systemtest;

import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static dev.leasehold.systemtest.history.HistoryEvent.fields;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.leasehold.api.faults.v1.HealRequest;
import dev.leasehold.api.faults.v1.IsolateRequest;
import dev.leasehold.api.v1.DescribeLockRequest;
import dev.leasehold.api.v1.DescribeSessionRequest;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.store.process.ChildJvm;
import dev.leasehold.store.process.NodeProcess;
import dev.leasehold.store.process.ProcessCluster;
import dev.leasehold.systemtest.history.HistoryEvent;
import dev.leasehold.systemtest.history.HistoryOp;
import dev.leasehold.systemtest.history.HistoryWriter;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The faults of a test, each injected and then shown to have happened: a leader killed is replaced, a node cut off
 * from its peers loses its part in the cluster, a frozen holder's session expires on the store. Each is noted in
 * the test's own history, and counted.
 */
final class FaultInjector {

    /** How a frozen lock holder fared once thawed. */
    record Thaw(String worker, long session, Duration frozen, boolean noticedLoss, HistoryOp write) {
        boolean writeRejected() {
            return write.failed() && "FAILED_PRECONDITION".equals(write.resultField("code"));
        }
    }

    private static final Duration CALL = Duration.ofSeconds(3);

    private final ProcessCluster cluster;
    private final WorkerFleet workers;
    private final HistoryWriter history;
    private final Duration ttl;
    private final Map<String, Integer> counts = new TreeMap<>();

    FaultInjector(ProcessCluster cluster, WorkerFleet workers, HistoryWriter history, Duration ttl) {
        this.cluster = cluster;
        this.workers = workers;
        this.history = history;
        this.ttl = ttl;
    }

    Map<String, Integer> counts() {
        return Map.copyOf(counts);
    }

    private void noteFault(String kind, String... detail) {
        Map<String, String> f = fields(detail);
        f.put("event", "fault");
        f.put("kind", kind);
        history.note(f);
        counts.merge(kind, 1, Integer::sum);
    }

    /** kill -9 of the leader; a new leader must be elected among the others; then the killed node restarts. */
    void killLeader(Duration down) {
        NodeProcess leader = cluster.awaitLeader();
        long term = leader.status(CALL).getTerm();
        noteFault("leader-kill", "node", "" + leader.id(), "term", "" + term);
        leader.kill9();
        NodeProcess successor = cluster.awaitLeader();
        assertThat(successor.id()).as("the leader after killing leader %d", leader.id()).isNotEqualTo(leader.id());
        assertThat(successor.status(CALL).getTerm()).as("the term after killing leader %d", leader.id())
                .isGreaterThan(term);
        pause(down);
        leader.start().awaitUp(PATIENCE);
        cluster.awaitLeader();
    }

    /** Cuts the leader off from both followers: they elect one of them; healed, the old leader follows it. */
    void isolateLeader(Duration cut) {
        NodeProcess leader = cluster.awaitLeader();
        List<NodeProcess> others = others(leader);
        noteFault("isolate-leader", "node", "" + leader.id());
        leader.faults(CALL).isolate(IsolateRequest.newBuilder().addAllPeers(ids(others)).build());
        AtomicReference<Long> successor = new AtomicReference<>();
        cluster.await("the followers of cut-off leader " + leader.id() + " elect one of them", PATIENCE, () -> {
            StatusResponse a = others.get(0).status(CALL);
            StatusResponse b = others.get(1).status(CALL);
            successor.set(a.getLeader());
            return a.getLeader() != 0 && a.getLeader() != leader.id() && a.getLeader() == b.getLeader()
                    && a.getTerm() == b.getTerm();
        });
        assertThat(probeWrite(leader)).as("a write through cut-off node %d", leader.id()).isNotEmpty();
        pause(cut);
        leader.faults(CALL).heal(HealRequest.getDefaultInstance());
        cluster.await("healed node " + leader.id() + " follows a leader among the others", PATIENCE, () -> {
            StatusResponse s = leader.status(CALL);
            return !"LEADER".equals(s.getRole()) && s.getLeader() != 0 && s.getLeader() != leader.id();
        });
        cluster.awaitLeader();
    }

    /**
     * Cuts a follower off from its peers: it refuses to forward writes to the leader, and falls behind the
     * leader's commit index while the others go on; healed, it catches up.
     */
    void isolateFollower(Duration cut) {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower = others(leader).get(0);
        noteFault("isolate-follower", "node", "" + follower.id());
        follower.faults(CALL).isolate(IsolateRequest.newBuilder().addAllPeers(ids(others(follower))).build());
        long commitAtCut = leader.status(CALL).getCommitIndex();
        pause(cut);
        assertThat(probeWrite(follower)).as("a write through cut-off follower %d", follower.id())
                .hasValueSatisfying(code -> assertThat(code).isIn("UNAVAILABLE", "DEADLINE_EXCEEDED"));
        long followerCommit = follower.status(CALL).getCommitIndex();
        // pre-vote keeps the cut-off follower from disrupting the leader, which goes on committing
        long leaderCommit = ProcessCluster.retrying(PATIENCE, () -> leader.status(CALL).getCommitIndex());
        assertThat(leaderCommit).as("the cluster went on without follower %d", follower.id())
                .isGreaterThan(commitAtCut);
        assertThat(followerCommit).as("cut-off follower %d's commit index", follower.id()).isLessThan(leaderCommit);
        follower.faults(CALL).heal(HealRequest.getDefaultInstance());
        cluster.await("healed follower " + follower.id() + " catches up to " + leaderCommit, PATIENCE,
                () -> follower.status(CALL).getAppliedIndex() >= leaderCommit);
        cluster.awaitLeader();
    }

    /**
     * Freezes worker {@code name} with SIGSTOP while it holds a lock, until the store has ended its session (at
     * least a TTL), and thaws it: it then writes with its stale token.
     */
    Thaw pauseHolder(String name) {
        ChildJvm worker = workers.worker(name);
        HistoryEvent ready = null;
        for (int attempt = 1; attempt <= 3 && ready == null; attempt++) {
            int announced = workers.notes(name, "pause-ready").size();
            workers.requestPause(name);
            cluster.await(name + " announces it holds a lock and waits to be frozen", PATIENCE,
                    () -> workers.notes(name, "pause-ready").size() > announced);
            worker.pause();
            int thawedBefore = workers.notes(name, "thawed").size();
            if (thawedBefore > announced) { // too late: it went on before the signal
                worker.resume();
                continue;
            }
            ready = workers.notes(name, "pause-ready").get(announced);
        }
        assertThat(ready).as("%s frozen while it holds a lock", name).isNotNull();
        long frozenAt = System.nanoTime();
        long session = Long.parseLong(ready.field("session"));
        String lock = ready.field("lock");
        noteFault("pause-holder", "worker", name, "session", "" + session, "lock", lock, "token",
                ready.field("token"));
        cluster.await("the store ends frozen " + name + "'s session " + session, PATIENCE,
                () -> !sessionAlive(session));
        // its last keep-alive may have gone out up to TTL/3 before the freeze: keep it frozen past a whole TTL
        pause(ttl.plusSeconds(1).minusNanos(System.nanoTime() - frozenAt));
        long holder = ProcessCluster.retrying(PATIENCE, () -> LockGrpc.newBlockingStub(anyServing().channel())
                .withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
                .describe(DescribeLockRequest.newBuilder().setName(lock).build()).getHolder().getSessionId());
        assertThat(holder).as("the holder of %s once session %d ended", lock, session).isNotEqualTo(session);
        worker.resume();
        Duration frozen = Duration.ofNanos(System.nanoTime() - frozenAt);
        assertThat(frozen).as("how long %s was frozen", name).isGreaterThan(ttl);
        AtomicReference<HistoryOp> write = new AtomicReference<>();
        cluster.await("thawed " + name + " writes with its stale token", PATIENCE, () -> {
            Optional<HistoryOp> w = workers.historyOfWorker(name).ops("put")
                    .filter(op -> op.call().containsKey("after-pause") && op.longArg("session") == session)
                    .filter(op -> !op.result().containsKey("open")).findFirst();
            w.ifPresent(write::set);
            return w.isPresent();
        });
        boolean noticed = workers.notes(name, "thawed").stream()
                .filter(n -> Long.parseLong(n.field("session")) == session)
                .anyMatch(n -> "true".equals(n.field("noticed-loss")));
        return new Thaw(name, session, frozen, noticed, write.get());
    }

    /** A linearizable Describe of {@code session}, recorded in the test's history. */
    private boolean sessionAlive(long session) {
        long id = history.invoke(fields("op", "describe-session", "session", "" + session));
        try {
            boolean alive = SessionGrpc.newBlockingStub(anyServing().channel())
                    .withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
                    .describe(DescribeSessionRequest.newBuilder().setSessionId(session).build()).getAlive();
            history.ok(id, fields("alive", "" + alive));
            return alive;
        } catch (StatusRuntimeException e) {
            history.info(id, fields("why", e.getStatus().toString()));
            throw e;
        }
    }

    /** An unfenced write to a key of its own through {@code node}: the error code, empty if it was accepted. */
    private static Optional<String> probeWrite(NodeProcess node) {
        try {
            node.kv(Duration.ofSeconds(2)).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("probe"))
                    .setValue(ByteString.copyFromUtf8("" + node.id())).build());
            return Optional.empty();
        } catch (StatusRuntimeException e) {
            return Optional.of(e.getStatus().getCode().name());
        }
    }

    private NodeProcess anyServing() {
        return cluster.serving().get(0);
    }

    private List<NodeProcess> others(NodeProcess node) {
        return cluster.nodes().stream().filter(n -> n.id() != node.id()).toList();
    }

    private static List<Long> ids(List<NodeProcess> nodes) {
        return nodes.stream().map(NodeProcess::id).toList();
    }

    /** Lets the workload run on under the current conditions. */
    static void pause(Duration d) {
        try {
            Thread.sleep(Math.max(0, d.toMillis())); // the workload runs meanwhile; nothing to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
