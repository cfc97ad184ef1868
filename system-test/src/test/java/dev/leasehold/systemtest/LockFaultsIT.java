package dev.leasehold.systemtest;

import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static dev.leasehold.systemtest.history.HistoryEvent.fields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.store.process.NodeProcess;
import dev.leasehold.store.process.ProcessCluster;
import dev.leasehold.systemtest.check.CheckReport;
import dev.leasehold.systemtest.client.GrpcLockClient;
import dev.leasehold.systemtest.client.LockClient;
import dev.leasehold.systemtest.client.Reply;
import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryOp;
import dev.leasehold.systemtest.history.HistoryWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's fault-injection test: three store node processes (started with --fault-injection) and five worker
 * JVMs that take two locks again and again and write with their fencing tokens, while the test kills the leader
 * twice (kill -9, then restarts it), cuts the leader and later a follower off from their peers, and freezes a lock
 * holder with SIGSTOP past its TTL. Every worker records its history; the merged history must be linearizable
 * for the lock model, the accepted fenced writes must be in token order, tokens must show mutual exclusion, and
 * no lease may end early.
 *
 * <p>Histories, worker logs and node logs stay under {@code target/system-it/LockFaultsIT/}.
 */
class LockFaultsIT {

    private static final int WORKERS = 5;
    private static final List<String> LOCKS = List.of("lock-a", "lock-b");
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void locksAndFencedWritesStaySafeThroughLeaderKillsPartitionsAndAFrozenHolder() {
        long started = System.nanoTime();
        Path out = cleaned(Path.of("target", "system-it", "LockFaultsIT").toAbsolutePath());
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "LockFaultsIT").size(3).faultInjection().start();
             HistoryWriter test = new HistoryWriter(out.resolve("test.history"), "test");
             WorkerFleet workers = WorkerFleet.start(WORKERS, endpoints(cluster), LOCKS, TTL, out)) {
            FaultInjector faults = new FaultInjector(cluster, workers, test, TTL);
            try {
                awaitEveryWorkerWrote(cluster, workers);

                FaultInjector.pause(SETTLE);
                faults.killLeader(Duration.ofMillis(1_500));
                FaultInjector.pause(SETTLE);
                faults.isolateLeader(Duration.ofSeconds(3));
                FaultInjector.pause(SETTLE);
                FaultInjector.Thaw thaw = faults.pauseHolder("w3");
                FaultInjector.pause(SETTLE);
                faults.killLeader(Duration.ofMillis(1_500));
                FaultInjector.pause(SETTLE);
                faults.isolateFollower(Duration.ofSeconds(3));
                FaultInjector.pause(SETTLE);

                Map<String, OptionalInt> exits = workers.stop(Duration.ofSeconds(30));
                assertThat(exits).as(workers::logTails).allSatisfy((name, exit) -> assertThat(exit).hasValue(0));
                readFinalValues(cluster, test);

                long checkStarted = System.nanoTime();
                List<Path> files = new ArrayList<>(workers.histories());
                files.add(out.resolve("test.history"));
                History history = History.read(files);
                CheckReport report = CheckReport.of(history, CHECK_TIMEOUT);
                long checkMillis = (System.nanoTime() - checkStarted) / 1_000_000;

                String summary = summary(report, faults.counts(), thaw, checkMillis, started);
                System.out.println(summary);
                Files.writeString(out.resolve("summary.txt"), summary + "\n");
                assertThat(report.violations()).as(() -> summary + "\nhistories in " + out).isEmpty();
                assertThat(faults.counts()).containsEntry("leader-kill", 2).containsEntry("isolate-leader", 1)
                        .containsEntry("isolate-follower", 1).containsEntry("pause-holder", 1);
                assertThat(thaw.write().ok()).as("the thawed holder's stale write was accepted: %s", thaw.write())
                        .isFalse();
                assertThat(thaw.noticedLoss() || thaw.writeRejected())
                        .as("the thawed holder noticed its loss or had its write rejected: %s", thaw).isTrue();
                assertThat(report.acceptedWrites()).as("accepted fenced writes").isGreaterThan(100);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + workers.logTails() + cluster.logTails(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String summary(CheckReport report, Map<String, Integer> faults, FaultInjector.Thaw thaw,
                                  long checkMillis, long started) {
        String faultList = new TreeMap<>(faults).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        return String.format("LockFaultsIT: operations=%d sessions=%d accepted-writes=%d stale-writes-rejected=%d "
                        + "indeterminate-writes=%d faults: %s thawed-holder: noticed-loss=%d stale-write-rejected=%d "
                        + "(frozen %d ms) violations=%d linearizability=%s check=%d ms wall=%d s",
                report.operations(), report.sessions(), report.acceptedWrites(), report.rejectedWrites(),
                report.indeterminateWrites(), faultList, thaw.noticedLoss() ? 1 : 0, thaw.writeRejected() ? 1 : 0,
                thaw.frozen().toMillis(), report.violations().size(), report.linearizability().verdict(),
                checkMillis, (System.nanoTime() - started) / 1_000_000_000);
    }

    /** {@code id=127.0.0.1:port,...}, for the workers. */
    private static String endpoints(ProcessCluster cluster) {
        return cluster.nodes().stream().map(n -> n.id() + "=" + n.address()).collect(Collectors.joining(","));
    }

    private static void awaitEveryWorkerWrote(ProcessCluster cluster, WorkerFleet workers) {
        cluster.await("every worker has had a fenced write accepted", PATIENCE, () -> workers.names().stream()
                .allMatch(w -> workers.historyOfWorker(w).ops("put").anyMatch(HistoryOp::ok)));
    }

    /** A linearizable read of each lock's key once the workers are gone, recorded in the test's history. */
    private static void readFinalValues(ProcessCluster cluster, HistoryWriter test) {
        Map<Long, String> nodes = new TreeMap<>();
        cluster.nodes().forEach(n -> nodes.put(n.id(), n.address()));
        NodeProcess leader = cluster.awaitLeader();
        try (LockClient client = new GrpcLockClient(nodes, leader.id(), LockClient.SessionEvents.NONE)) {
            for (String lock : LOCKS) {
                String key = "fenced/" + lock;
                long id = test.invoke(fields("op", "get", "key", key, "lock", lock));
                Reply<LockClient.Read> read = client.get(key);
                assertThat(read).as("the final read of %s", key).isInstanceOf(Reply.Ok.class);
                LockClient.Read value = ((Reply.Ok<LockClient.Read>) read).value();
                test.ok(id, fields("value", value.value(), "revision", "" + value.modRevision()));
            }
        }
    }

    private static Path cleaned(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
