package dev.leasehold.store;

import dev.leasehold.raft.ConfChange;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.HardState;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.Message;
import dev.leasehold.raft.ProposeResult;
import dev.leasehold.raft.RaftConfig;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.RaftStatus;
import dev.leasehold.raft.ReadState;
import dev.leasehold.raft.Ready;
import dev.leasehold.raft.Role;
import dev.leasehold.raft.Snapshot;
import dev.leasehold.store.metrics.NodeMetrics;
import dev.leasehold.store.storage.ApplyResult;
import dev.leasehold.store.storage.LogStore;
import dev.leasehold.store.storage.StateMachine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drives the Raft core for one store node. The core lives on one thread (the loop) that steps messages, ticks
 * and takes requests; a second thread (storage) persists each {@link Ready} with one fsync, sends its messages,
 * applies committed entries and answers clients, then hands the Ready back to the loop to advance. The loop keeps
 * stepping while the storage thread waits on the disk, so everything that arrives meanwhile is batched into the
 * next Ready (group commit).
 */
public final class RaftDriver implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

    /** Where the driver sends messages; snapshots are streamed by the transport itself. */
    public interface Outbox {
        void send(Message message);
    }

    private record PendingProposal(long term, long startedNanos, CompletableFuture<ApplyResult> result) {
    }

    private record ReadWaiter(long index, CompletableFuture<Long> result) {
    }

    private final long id;
    private final RaftConfig config;
    private final LogStore log;
    private final StateMachine stateMachine;
    private final SnapshotFiles snapshots;
    private final Outbox outbox;
    private final NodeMetrics metrics;
    private final long tickNanos;
    private final long snapshotThreshold;
    private final Consumer<Throwable> onFatal;

    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Thread loop;
    private final ExecutorService storage;
    private volatile boolean running = true;

    // loop thread only
    private RaftNode raft;
    private Ready inFlight;
    private final List<Runnable> whenIdle = new ArrayList<>();
    private HardState durable;
    private long lastLeader = RaftNode.NONE;

    // shared between the loop (registers) and the storage thread (completes)
    private final ConcurrentHashMap<Long, PendingProposal> proposals = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, CompletableFuture<Long>> reads = new ConcurrentHashMap<>();
    private final AtomicLong nextReadId = new AtomicLong();

    // storage thread only
    private final PriorityQueue<ReadWaiter> readWaiters =
            new PriorityQueue<>((a, b) -> Long.compare(a.index(), b.index()));
    private boolean checkpointRunning;

    // published by the loop for observers on other threads
    private volatile RaftStatus status;

    public RaftDriver(RaftConfig config, LogStore log, StateMachine stateMachine, SnapshotFiles snapshots,
                      Outbox outbox, NodeMetrics metrics, long tickMillis, long snapshotThreshold,
                      Consumer<Throwable> onFatal) {
        this.id = config.id();
        this.config = config;
        this.log = log;
        this.stateMachine = stateMachine;
        this.snapshots = snapshots;
        this.outbox = outbox;
        this.metrics = metrics;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        this.snapshotThreshold = snapshotThreshold;
        this.onFatal = onFatal;
        this.raft = new RaftNode(config, log);
        this.durable = log.hardState();
        this.status = raft.status();
        this.storage = Executors.newSingleThreadExecutor(r -> new Thread(r, "raft-storage-" + id));
        this.loop = new Thread(this::runLoop, "raft-loop-" + id);
    }

    public void start() {
        loop.start();
    }

    /** The core's status as of the loop's last iteration. */
    public RaftStatus status() {
        return status;
    }

    public long id() {
        return id;
    }

    // ---------------------------------------------------------------- requests from other threads

    /** Delivers a message from a peer. */
    public void step(Message m) {
        tasks.add(() -> raft.step(m));
    }

    public void reportUnreachable(long peer) {
        tasks.add(() -> raft.reportUnreachable(peer));
    }

    public void reportSnapshot(long peer, boolean success) {
        tasks.add(() -> raft.reportSnapshot(peer, success));
    }

    /**
     * Proposes a command; the future completes when it is applied (with its result), or fails with
     * {@link StoreException} when this node does not lead or the entry was lost to a change of leader.
     */
    public CompletableFuture<ApplyResult> propose(byte[] command) {
        CompletableFuture<ApplyResult> result = new CompletableFuture<>();
        long started = System.nanoTime();
        tasks.add(() -> register(raft.propose(command), started, result, io.grpc.Status.Code.UNAVAILABLE));
        return result;
    }

    /** Proposes a membership change; completes when it is committed and applied. */
    public CompletableFuture<ApplyResult> proposeConfChange(ConfChange change) {
        CompletableFuture<ApplyResult> result = new CompletableFuture<>();
        long started = System.nanoTime();
        tasks.add(() -> register(raft.proposeConfChange(change), started, result,
                io.grpc.Status.Code.FAILED_PRECONDITION));
        return result;
    }

    /**
     * Makes this node, whose log holds no entry, one of the first members of a new cluster: writes the bootstrap
     * entries ({@link dev.leasehold.store.storage.RocksLogStore#bootstrap(Membership, List)}) and restarts the core
     * from them, as if the node had been started on that log. Runs once the core has nothing in flight, so that
     * the log it restarts from is all it knew.
     *
     * @return true when this call bootstrapped the node; false when its log already held entries (a repeated
     * call, or entries received from a member bootstrapped before it)
     */
    public CompletableFuture<Boolean> bootstrap(Membership membership, List<byte[]> commands) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        tasks.add(() -> whenIdle.add(() -> {
            if (log.lastIndex() != 0) {
                result.complete(false);
                return;
            }
            try {
                log.bootstrap(membership, commands);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            raft = new RaftNode(config, log);
            durable = log.hardState();
            LOG.info("node " + id + " bootstrapped a new cluster with voters " + membership.voters());
            result.complete(true);
        }));
        return result;
    }

    /** Starts a leadership transfer; false when this node does not lead or the target is not a voter. */
    public CompletableFuture<Boolean> transferLeadership(long target) {
        return onLoop(() -> raft.transferLeadership(target));
    }

    /**
     * A linearizable read barrier: completes with a read index once this node's state machine has applied it,
     * so that a read served from the local state afterwards reflects every write acknowledged before the call.
     */
    public CompletableFuture<Long> readBarrier() {
        CompletableFuture<Long> result = new CompletableFuture<>();
        long readId = nextReadId.incrementAndGet();
        tasks.add(() -> {
            reads.put(readId, result);
            if (!raft.readIndex(readId)) {
                reads.remove(readId);
                result.completeExceptionally(StoreException.notApplied("no leader is known; retry"));
            }
        });
        result.whenComplete((v, e) -> reads.remove(readId));
        return result;
    }

    /** Runs {@code action} on the loop thread, where it may use the core. */
    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Tracks an accepted proposal until it is applied. A refusal by a node that does not lead is a
     * {@link NotLeaderException} (the caller may forward); a refusal by the leader fails with {@code refusal}.
     */
    private void register(ProposeResult r, long started, CompletableFuture<ApplyResult> result,
                          io.grpc.Status.Code refusal) {
        if (r instanceof ProposeResult.Accepted a) {
            proposals.put(a.index(), new PendingProposal(a.term(), started, result));
        } else if (r instanceof ProposeResult.Rejected rej) {
            result.completeExceptionally(rej.leader() == id
                    ? (refusal == io.grpc.Status.Code.UNAVAILABLE ? StoreException.notApplied(rej.reason())
                            : new StoreException(refusal, rej.reason()))
                    : new NotLeaderException(rej.reason(), rej.leader()));
        }
    }

    // ---------------------------------------------------------------- the loop thread

    private void runLoop() {
        long nextTick = System.nanoTime() + tickNanos;
        try {
            while (running) {
                long wait = nextTick - System.nanoTime();
                Runnable task = wait > 0 ? tasks.poll(wait, TimeUnit.NANOSECONDS) : tasks.poll();
                int budget = 100_000;
                while (task != null) {
                    task.run();
                    task = --budget > 0 ? tasks.poll() : null;
                }
                long now = System.nanoTime();
                if (now >= nextTick) {
                    raft.tick();
                    // after a pause, do not catch up with a burst of ticks: that would expire timeouts at once
                    nextTick = Math.max(nextTick + tickNanos, now);
                }
                // publish first: the storage thread may answer a client from this Ready before the next iteration
                publishStatus();
                if (inFlight == null && !raft.hasReady() && !whenIdle.isEmpty()) {
                    whenIdle.forEach(Runnable::run);
                    whenIdle.clear();
                    publishStatus();
                }
                if (inFlight == null && raft.hasReady()) {
                    startReady();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fatal(t);
        }
    }

    private void publishStatus() {
        RaftStatus s = raft.status();
        status = s;
        if (s.leader() != lastLeader) {
            lastLeader = s.leader();
            metrics.leaderChanged();
        }
        metrics.observe(s, stateMachine.appliedIndex());
    }

    private void startReady() {
        Ready ready = raft.ready();
        inFlight = ready;
        List<Message> later = ready.messages();
        if (ready.role() == Role.LEADER && termAndVoteDurable(ready)) {
            // A leader's appends and heartbeats may go out while it writes the same entries to its own disk:
            // its own copy counts toward commitment only once advance() reports it durable.
            later = new ArrayList<>();
            for (Message m : ready.messages()) {
                if (m instanceof Message.AppendEntries || m instanceof Message.Heartbeat) {
                    outbox.send(m);
                } else {
                    later.add(m);
                }
            }
        }
        List<Message> afterPersist = later;
        storage.execute(() -> {
            try {
                handleOnStorageThread(ready, afterPersist);
            } catch (Throwable t) {
                fatal(t);
            }
        });
    }

    private boolean termAndVoteDurable(Ready ready) {
        return ready.hardState().map(hs -> hs.term() == durable.term() && hs.vote() == durable.vote()).orElse(true);
    }

    // ---------------------------------------------------------------- the storage thread

    private void handleOnStorageThread(Ready ready, List<Message> messages) {
        // A received snapshot is kept as this node's snapshot before the log says it exists, and the state is
        // restored from it only after: a crash in between finds the log's snapshot and restores from its files.
        Optional<Path> received = ready.snapshot().map(s -> snapshots.keep(Path.of(new String(s.data(),
                StandardCharsets.UTF_8)), s.index()));
        List<Entry> committed = ready.committedEntries();
        // On a leader, committed entries that its log already holds durably need not wait for this Ready's fsync:
        // under load it would otherwise answer each batch only after the next batch is on disk. (Committed entries
        // are never overwritten, so the new entries cannot change them.) The rest are applied once written. A
        // follower writes first: its acknowledgement, sent after the write, is on the path of every commit.
        int early = 0;
        if (received.isEmpty() && ready.role() == Role.LEADER) {
            long durableLast = log.lastIndex();
            while (early < committed.size() && committed.get(early).index() <= durableLast) {
                early++;
            }
            if (early > 0) {
                apply(committed.subList(0, early));
            }
        }
        if (ready.mustPersist()) {
            long start = System.nanoTime();
            log.persist(ready);
            if (ready.mustSync()) {
                metrics.fsync(System.nanoTime() - start);
            }
        }
        received.ifPresent(dir -> restoreState(ready.snapshot().orElseThrow(), dir));
        messages.forEach(outbox::send);
        if (early < committed.size()) {
            apply(committed.subList(early, committed.size()));
        }
        for (ReadState rs : ready.readStates()) {
            CompletableFuture<Long> f = reads.remove(rs.requestId());
            if (f != null) {
                readWaiters.add(new ReadWaiter(rs.index(), f));
            }
        }
        releaseReads();
        HardState persisted = ready.hardState().orElse(null);
        tasks.add(() -> {
            if (persisted != null) {
                durable = persisted;
            }
            raft.advance(ready);
            inFlight = null;
        });
        maybeCheckpoint();
    }

    private void apply(List<Entry> entries) {
        List<ApplyResult> results = stateMachine.apply(entries);
        long now = System.nanoTime();
        for (ApplyResult r : results) {
            PendingProposal p = proposals.remove(r.index());
            if (p == null) {
                continue;
            }
            if (p.term() == r.term()) {
                metrics.proposalApplied(now - p.startedNanos());
                p.result().complete(r);
            } else {
                p.result().completeExceptionally(StoreException.notApplied(
                        "the proposal was lost when leadership changed; it was not applied"));
            }
        }
    }

    private void releaseReads() {
        long applied = stateMachine.appliedIndex();
        while (!readWaiters.isEmpty() && readWaiters.peek().index() <= applied) {
            ReadWaiter w = readWaiters.poll();
            w.result().complete(w.index());
        }
    }

    private void restoreState(Snapshot snapshot, Path files) {
        long index = stateMachine.restore(files);
        if (index != snapshot.index()) {
            throw new IllegalStateException("snapshot files hold index " + index + " but the leader sent "
                    + snapshot.index());
        }
        snapshots.clearIncoming();
        snapshots.pruneBefore(index);
        metrics.snapshotInstalled();
        // proposals at or below the snapshot are either in it or overwritten: their outcome is unknown here
        proposals.entrySet().removeIf(e -> {
            if (e.getKey() <= index) {
                e.getValue().result().completeExceptionally(StoreException.unavailable(
                        "outcome unknown: this node installed a snapshot past the proposal; retry"));
                return true;
            }
            return false;
        });
    }

    /** Compacts the log behind a checkpoint of the state machine once enough entries were applied. */
    private void maybeCheckpoint() {
        long applied = stateMachine.appliedIndex();
        // after a restart the state may be ahead of the log's (unsynced) commit index until the leader resends it
        if (checkpointRunning || applied - log.snapshot().index() < snapshotThreshold
                || applied > log.hardState().commit()) {
            return;
        }
        long index = snapshots.create(stateMachine);
        metrics.snapshotCreated();
        checkpointRunning = true;
        var membership = stateMachine.membership();
        // the log is read by the core on the loop thread: change it there
        tasks.add(() -> {
            if (index > log.snapshot().index()) {
                log.compact(index, membership);
            }
            storage.execute(() -> {
                checkpointRunning = false;
                snapshots.pruneBefore(index);
            });
        });
    }

    // ---------------------------------------------------------------- shutdown

    private void fatal(Throwable t) {
        if (!running) {
            return;
        }
        LOG.log(Level.SEVERE, "node " + id + " stops after a fatal error", t);
        running = false;
        onFatal.accept(t);
    }

    /** Fails every waiting request; used when the node stops. */
    private void failPending(String why) {
        for (Map.Entry<Long, PendingProposal> e : proposals.entrySet()) {
            e.getValue().result().completeExceptionally(StoreException.unavailable(why));
        }
        proposals.clear();
        reads.values().forEach(f -> f.completeExceptionally(StoreException.unavailable(why)));
        reads.clear();
        readWaiters.forEach(w -> w.result().completeExceptionally(StoreException.unavailable(why)));
        readWaiters.clear();
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        storage.shutdown();
        try {
            storage.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending("the node is shutting down");
    }
}
