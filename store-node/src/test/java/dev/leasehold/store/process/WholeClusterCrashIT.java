package dev.leasehold.store.process;

import static dev.leasehold.store.process.LeaderKillDurabilityIT.anyServing;
import static dev.leasehold.store.process.LeaderKillDurabilityIT.awaitMoreAcknowledged;
import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.Consistency;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** All three node processes are killed with SIGKILL at the same moment, in the middle of a write load. */
class WholeClusterCrashIT {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesAKillOfAllThreeNodesAtOnceMidLoad() {
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "WholeClusterCrashIT").size(3).start();
             Writers writers = new Writers(cluster, "crash-all")) {
            writers.start(8);
            awaitMoreAcknowledged(cluster, writers, "before the crash");

            cluster.kill9All();
            Map<String, String> acknowledged = writers.stop();
            long unknown = writers.unknownCount();

            cluster.startAll();
            List<String> lost = ReadBack.mismatches(() -> anyServing(cluster), acknowledged,
                    Consistency.LINEARIZABLE);
            assertThat(lost).as(() -> lost.size() + " acknowledged writes are not readable after the restart"
                    + cluster.logTails()).isEmpty();

            long commit = cluster.awaitLeader().status(Duration.ofSeconds(5)).getCommitIndex();
            for (NodeProcess node : cluster.nodes()) {
                cluster.await("node " + node.id() + " applies up to the commit index " + commit, PATIENCE,
                        () -> node.status(Duration.ofSeconds(2)).getAppliedIndex() >= commit);
            }
            System.out.printf("WholeClusterCrashIT: acknowledged=%d unknown=%d checked=%d linearizable "
                    + "(commit %d after the restart)%n", acknowledged.size(), unknown, acknowledged.size(), commit);
        }
    }
}
