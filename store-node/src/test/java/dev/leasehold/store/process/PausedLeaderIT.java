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

/** The leader of three node processes is frozen with SIGSTOP under write load and later thawed with SIGCONT. */
class PausedLeaderIT {

    @TempDir
    Path dir;

    @Test
    void aPausedLeaderIsReplacedAndFollowsOnceResumedWithoutLosingAnAcknowledgedWrite() {
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "PausedLeaderIT").size(3).start();
             Writers writers = new Writers(cluster, "paused-leader")) {
            NodeProcess leader = cluster.awaitLeader();
            writers.start(8);
            awaitMoreAcknowledged(cluster, writers, "before the pause");

            leader.pause();
            NodeProcess successor = cluster.awaitLeader();
            assertThat(successor.id()).as(cluster::logTails).isNotEqualTo(leader.id());
            awaitMoreAcknowledged(cluster, writers, "while node " + leader.id() + " is paused");

            leader.resume();
            cluster.await("resumed node " + leader.id() + " follows a leader of a later term", PATIENCE, () -> {
                var s = leader.status(Duration.ofSeconds(2));
                return !"LEADER".equals(s.getRole()) && s.getLeader() != 0 && s.getLeader() != leader.id();
            });
            awaitMoreAcknowledged(cluster, writers, "after node " + leader.id() + " resumed");
            Map<String, String> acknowledged = writers.stop();

            List<String> lost = ReadBack.mismatches(() -> anyServing(cluster), acknowledged,
                    Consistency.LINEARIZABLE);
            assertThat(lost).as(() -> lost.size() + " acknowledged writes are not readable" + cluster.logTails())
                    .isEmpty();
            long commit = cluster.awaitLeader().status(Duration.ofSeconds(5)).getCommitIndex();
            cluster.await("resumed node " + leader.id() + " applies up to the commit index " + commit, PATIENCE,
                    () -> leader.status(Duration.ofSeconds(2)).getAppliedIndex() >= commit);
            List<String> stale = ReadBack.mismatches(() -> leader, acknowledged, Consistency.SERIALIZABLE);
            assertThat(stale).as(() -> stale.size() + " acknowledged writes are not in the resumed node's state"
                    + cluster.logTails()).isEmpty();
            System.out.printf("PausedLeaderIT: acknowledged=%d unknown=%d checked=%d linearizable + %d serializable "
                            + "on resumed node %d (successor %d)%n", acknowledged.size(), writers.unknownCount(),
                    acknowledged.size(), acknowledged.size(), leader.id(), successor.id());
        }
    }
}
