package dev.leasehold.store.process;

import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.Consistency;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three node processes under write load; the leader is killed with SIGKILL in the middle of it. */
class LeaderKillDurabilityIT {

    private static final int WRITERS = 8;
    private static final int WRITES_PER_PHASE = 400;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesAKillOfTheLeaderMidLoadAndTheKilledNodeCatchesUp() {
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "LeaderKillDurabilityIT").size(3).start();
             Writers writers = new Writers(cluster, "leader-kill")) {
            NodeProcess leader = cluster.awaitLeader();
            writers.start(WRITERS);
            awaitMoreAcknowledged(cluster, writers, "before the kill");

            leader.kill9();
            NodeProcess successor = cluster.awaitLeader();
            assertThat(successor.id()).as(cluster::logTails).isNotEqualTo(leader.id());
            awaitMoreAcknowledged(cluster, writers, "under the new leader " + successor.id());

            leader.start().awaitUp(PATIENCE);
            awaitMoreAcknowledged(cluster, writers, "after node " + leader.id() + " restarted");
            Map<String, String> acknowledged = writers.stop();
            long unknown = writers.unknownCount();

            List<String> lost = ReadBack.mismatches(() -> anyServing(cluster), acknowledged,
                    Consistency.LINEARIZABLE);
            assertThat(lost).as(() -> lost.size() + " acknowledged writes are not readable" + cluster.logTails())
                    .isEmpty();

            long commit = cluster.awaitLeader().status(Duration.ofSeconds(5)).getCommitIndex();
            cluster.await("restarted node " + leader.id() + " applies up to the leader's commit index " + commit,
                    PATIENCE, () -> leader.status(Duration.ofSeconds(2)).getAppliedIndex() >= commit);
            List<String> stale = ReadBack.mismatches(() -> leader, acknowledged, Consistency.SERIALIZABLE);
            assertThat(stale).as(() -> stale.size() + " acknowledged writes are not in the restarted node's state"
                    + cluster.logTails()).isEmpty();

            System.out.printf("LeaderKillDurabilityIT: acknowledged=%d unknown=%d checked=%d linearizable "
                            + "+ %d serializable on restarted node %d (killed leader %d, successor %d, commit %d)%n",
                    acknowledged.size(), unknown, acknowledged.size(), acknowledged.size(), leader.id(),
                    leader.id(), successor.id(), commit);
        }
    }

    static void awaitMoreAcknowledged(ProcessCluster cluster, Writers writers, String phase) {
        long target = writers.acknowledgedCount() + WRITES_PER_PHASE;
        cluster.await(WRITES_PER_PHASE + " more writes are acknowledged " + phase + " (target " + target + ")",
                PATIENCE, () -> writers.acknowledgedCount() >= target);
    }

    static NodeProcess anyServing(ProcessCluster cluster) {
        List<NodeProcess> serving = cluster.serving();
        return serving.get(ThreadLocalRandom.current().nextInt(serving.size()));
    }
}
