package dev.leasehold.store.process;

import static dev.leasehold.store.process.LeaderKillDurabilityIT.anyServing;
import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.api.v1.AddLearnerRequest;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.MembershipResponse;
import dev.leasehold.api.v1.PromoteRequest;
import dev.leasehold.api.v1.RemoveMemberRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.api.v1.TransferLeadershipRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node processes under write load grow to five voters, each new node joining as a learner that is promoted
 * once it caught up, and shrink back to the original three; ids once removed can never return.
 */
class MembershipChangeUnderLoadIT {

    private static final Duration CALL = Duration.ofSeconds(15);
    /** A learner this close to the leader's commit index counts as caught up. */
    private static final long CAUGHT_UP_LAG = 50;
    private static final int WRITES_PER_STEP = 150;

    @TempDir
    Path dir;

    @Test
    void threeVotersGrowToFiveThroughPromotedLearnersAndShrinkBackToThreeUnderLoad() {
        try (ProcessCluster cluster = ProcessCluster.builder(dir, "MembershipChangeUnderLoadIT").size(3).start();
             Writers writers = new Writers(cluster, "membership")) {
            writers.start(8);
            awaitMoreAcknowledged(cluster, writers, "with three voters");

            for (long id : new long[] {4, 5}) {
                NodeProcess joining = cluster.newJoiningNode(id).start().awaitUp(PATIENCE);
                MembershipResponse added = cluster.awaitLeader(id).cluster(CALL).addLearner(
                        AddLearnerRequest.newBuilder().setId(id).setAddress(joining.address()).build());
                assertThat(added.getMembersList()).as(cluster::logTails)
                        .anySatisfy(m -> assertThat(m.getId() == id && m.getLearner()).isTrue());
                cluster.await("learner " + id + " is within " + CAUGHT_UP_LAG + " entries of the commit index",
                        PATIENCE, () -> {
                            StatusResponse s = cluster.awaitLeader(id).status(Duration.ofSeconds(2));
                            Member m = cluster.members(s).get(id);
                            return m != null && m.getLearner()
                                    && m.getMatchIndex() + CAUGHT_UP_LAG >= s.getCommitIndex();
                        });
                MembershipResponse promoted = cluster.awaitLeader(id).cluster(CALL)
                        .promote(PromoteRequest.newBuilder().setId(id).build());
                assertThat(promoted.getMembersList()).as(cluster::logTails)
                        .anySatisfy(m -> assertThat(m.getId() == id && !m.getLearner()).isTrue());
                awaitMoreAcknowledged(cluster, writers, "after promoting node " + id);
            }
            StatusResponse five = cluster.awaitLeader().status(Duration.ofSeconds(5));
            assertThat(voters(five)).as(cluster::logTails).containsExactly(1L, 2L, 3L, 4L, 5L);
            // let the newest voter lead, so that shrinking has to move leadership away from a node being removed
            cluster.awaitLeader().cluster(CALL).transferLeadership(TransferLeadershipRequest.newBuilder()
                    .setTarget(5).build());
            assertThat(cluster.awaitLeader().id()).as(cluster::logTails).isEqualTo(5);

            for (long id : new long[] {5, 4}) {
                NodeProcess leader = cluster.awaitLeader();
                if (leader.id() >= 4) {
                    long target = 1;
                    leader.cluster(CALL).transferLeadership(TransferLeadershipRequest.newBuilder()
                            .setTarget(target).build());
                    leader = cluster.awaitLeader();
                    assertThat(leader.id()).as(cluster::logTails).isEqualTo(target);
                }
                MembershipResponse removed = leader.cluster(CALL)
                        .removeMember(RemoveMemberRequest.newBuilder().setId(id).build());
                assertThat(removed.getMembersList()).as(cluster::logTails).noneMatch(m -> m.getId() == id);
                cluster.node(id).stop();
                awaitMoreAcknowledged(cluster, writers, "after removing node " + id);
            }
            Map<String, String> acknowledged = writers.stop();
            long unknown = writers.unknownCount();

            StatusResponse three = cluster.awaitLeader().status(Duration.ofSeconds(5));
            assertThat(voters(three)).as(cluster::logTails).containsExactly(1L, 2L, 3L);
            assertThat(three.getMembersList()).noneMatch(Member::getLearner);
            assertThat(three.getRemovedList()).as(cluster::logTails).contains(4L, 5L);

            List<String> lost = ReadBack.mismatches(() -> anyServing(cluster), acknowledged,
                    Consistency.LINEARIZABLE);
            assertThat(lost).as(() -> lost.size() + " acknowledged writes are not readable" + cluster.logTails())
                    .isEmpty();

            String address = cluster.node(4).address();
            assertThatThrownBy(() -> cluster.awaitLeader().cluster(CALL).addLearner(
                    AddLearnerRequest.newBuilder().setId(4).setAddress(address).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).contains("4").contains("removed");
                    });
            System.out.printf("MembershipChangeUnderLoadIT: acknowledged=%d unknown=%d checked=%d linearizable%n",
                    acknowledged.size(), unknown, acknowledged.size());
        }
    }

    private static Set<Long> voters(StatusResponse s) {
        return s.getMembersList().stream().filter(m -> !m.getLearner()).map(Member::getId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void awaitMoreAcknowledged(ProcessCluster cluster, Writers writers, String phase) {
        long target = writers.acknowledgedCount() + WRITES_PER_STEP;
        cluster.await(WRITES_PER_STEP + " more writes are acknowledged " + phase, PATIENCE,
                () -> writers.acknowledgedCount() >= target);
    }
}
