package dev.leasehold.store.process;

import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.Consistency;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log compaction every 200 entries; a follower is down while the leader writes far past that. */
class SnapshotCatchUpIT {

    private static final int KEYS = 1500;

    @TempDir
    Path dir;

    @Test
    void aFollowerKeptDownPastLogCompactionCatchesUpThroughInstallSnapshot() {
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "SnapshotCatchUpIT").size(3)
                .snapshotThreshold(200).start();
             Writers writers = new Writers(cluster, "snapshot")) {
            NodeProcess leader = cluster.awaitLeader();
            NodeProcess follower = cluster.nodes().stream().filter(n -> n.id() != leader.id()).findFirst()
                    .orElseThrow();
            follower.stop(); // its log ends after a few entries: the membership and the first leader's

            writers.start(8);
            cluster.await(KEYS + " writes are acknowledged while node " + follower.id() + " is down", PATIENCE,
                    () -> writers.acknowledgedCount() >= KEYS);
            Map<String, String> acknowledged = writers.stop();
            follower.start().awaitUp(PATIENCE);
            long commit = cluster.awaitLeader().status(Duration.ofSeconds(5)).getCommitIndex();
            cluster.await("node " + follower.id() + " applies up to the leader's commit index " + commit, PATIENCE,
                    () -> follower.status(Duration.ofSeconds(2)).getAppliedIndex() >= commit);
            assertThat(follower.metric("leasehold_snapshots_installed_total"))
                    .as(() -> "snapshots installed by node " + follower.id() + cluster.logTails())
                    .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));
            List<String> missing = ReadBack.mismatches(() -> follower, acknowledged, Consistency.SERIALIZABLE);
            assertThat(missing).as(() -> missing.size() + " acknowledged writes are not in node " + follower.id()
                    + "'s state" + cluster.logTails()).isEmpty();
            System.out.printf("SnapshotCatchUpIT: acknowledged=%d unknown=%d checked=%d serializable on node %d "
                    + "(commit %d)%n", acknowledged.size(), writers.unknownCount(), acknowledged.size(),
                    follower.id(), commit);
        }
    }
}
