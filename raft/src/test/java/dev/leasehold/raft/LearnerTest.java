package dev.leasehold.raft;

import static dev.leasehold.raft.ConfChangeType.ADD_LEARNER;
import static dev.leasehold.raft.ConfChangeType.PROMOTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.RequestVote;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Learners (Raft dissertation §4.2.1): members that receive the log but neither vote nor count for commitment. */
class LearnerTest {

    private static final int ELECTION_TICKS = RaftConfig.defaults(1).electionTicks();
    private static final long PROMOTION_LAG = 3;

    @Test
    void anAddedLearnerReceivesAndAppliesTheWholeLog() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "before");
        cluster.deliverAll();

        addLearner4(cluster);
        cluster.propose(1, "after");
        cluster.deliverAll();

        assertThat(cluster.applied(4)).containsExactly("before", "after");
        assertThat(cluster.node(4).commitIndex()).isEqualTo(cluster.node(1).commitIndex());
        for (long id = 1; id <= 4; id++) {
            assertThat(cluster.node(id).membership().learners()).as("learners seen by %d", id).containsExactly(4L);
            assertThat(cluster.node(id).membership().voters()).containsExactly(1L, 2L, 3L);
        }
        assertThat(cluster.progressOf(1, 4).state()).isEqualTo(ProgressState.REPLICATE);
    }

    @Test
    void aLearnerNeverCampaignsHoweverLongItHearsNothing() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        addLearner4(cluster);
        cluster.crash(1);
        cluster.clearSent();

        cluster.tick(4, 20 * ELECTION_TICKS);

        assertThat(cluster.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.sent(RequestVote.class)).isEmpty();
    }

    @Test
    void aNodeWithAnEmptyDiskWaitsToBeAddedAndNeverCampaigns() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.addNode(4);

        cluster.tick(4, 20 * ELECTION_TICKS);

        assertThat(cluster.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.node(4).term()).isZero();
        assertThat(cluster.sent()).isEmpty();
    }

    @Test
    void aLearnerDoesNotCountTowardsCommitmentNorElections() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        addLearner4(cluster);
        long committed = cluster.node(1).commitIndex();
        cluster.crash(2);
        cluster.crash(3);

        ProposeResult.Accepted x = (ProposeResult.Accepted) cluster.propose(1, "x");
        cluster.deliverAll();

        assertThat(cluster.progressOf(1, 4).match()).as("the learner holds x").isEqualTo(x.index());
        assertThat(cluster.node(1).commitIndex()).isEqualTo(committed);

        // nor does the learner keep the leader's check-quorum lease alive, or help it win an election
        cluster.tickAll(20 * ELECTION_TICKS);
        assertThat(cluster.node(1).role()).isNotEqualTo(Role.LEADER);
        assertThat(cluster.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.applied(1)).doesNotContain("x");
        assertThat(cluster.applied(4)).doesNotContain("x");
    }

    @Test
    void aLaggingLearnerIsNotPromotedUntilItHasCaughtUp() {
        TestCluster cluster = TestCluster.ofVoters(withPromotionLag(PROMOTION_LAG), 1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.isolate(4);
        assertThat(cluster.changeMembership(1, ADD_LEARNER, 4)).isInstanceOf(ProposeResult.Accepted.class);
        for (int i = 0; i < 10; i++) {
            cluster.propose(1, "c" + i);
        }
        cluster.deliverAll();

        ProposeResult refused = cluster.changeMembership(1, PROMOTE, 4);

        assertThat(refused).isInstanceOfSatisfying(ProposeResult.Rejected.class,
                r -> assertThat(r.reason()).contains("has not caught up"));
        cluster.heal();
        cluster.tick(1, 1);
        assertThat(cluster.applied(4)).hasSize(10);
        assertThat(cluster.changeMembership(1, PROMOTE, 4)).isInstanceOf(ProposeResult.Accepted.class);
        cluster.deliverAll();
        for (long id = 1; id <= 4; id++) {
            assertThat(cluster.node(id).membership().voters()).as("voters seen by %d", id)
                    .containsExactly(1L, 2L, 3L, 4L);
            assertThat(cluster.node(id).membership().learners()).isEmpty();
        }
    }

    @Test
    void aLearnerWithinTheAllowedLagIsPromoted() {
        TestCluster cluster = TestCluster.ofVoters(withPromotionLag(PROMOTION_LAG), 1, 2, 3);
        cluster.elect(1);
        addLearner4(cluster);
        cluster.isolate(4);
        for (int i = 0; i < PROMOTION_LAG; i++) {
            cluster.propose(1, "c" + i);
        }
        cluster.deliverAll();

        assertThat(cluster.changeMembership(1, PROMOTE, 4)).isInstanceOf(ProposeResult.Accepted.class);
    }

    @Test
    void aPromotedLearnerCountsTowardsCommitmentAndCanLead() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        addLearner4(cluster);
        cluster.changeMembership(1, PROMOTE, 4);
        cluster.deliverAll();
        cluster.crash(3);

        // four voters: a majority is three, and only 1, 2 and 4 are up
        cluster.propose(1, "x");
        cluster.deliverAll();
        assertThat(cluster.applied(1)).containsExactly("x");

        assertThat(cluster.node(1).transferLeadership(4)).isTrue();
        cluster.deliverAll();
        assertThat(cluster.node(4).role()).isEqualTo(Role.LEADER);
        cluster.propose(4, "y");
        cluster.deliverAll();
        assertThat(cluster.applied(2)).containsExactly("x", "y");
    }

    private static void addLearner4(TestCluster cluster) {
        cluster.addNode(4);
        assertThat(cluster.changeMembership(cluster.leader(), ADD_LEARNER, 4))
                .isInstanceOf(ProposeResult.Accepted.class);
        cluster.deliverAll();
        assertThat(cluster.node(4).membership().isLearner(4)).isTrue();
    }

    private static UnaryOperator<RaftConfig> withPromotionLag(long lag) {
        return c -> new RaftConfig(c.id(), c.electionTicks(), c.heartbeatTicks(), c.preVote(), c.checkQuorum(),
                c.readOnlyOption(), c.maxMessageBytes(), c.maxInflightMessages(), c.maxCommittedBytesPerReady(),
                lag, c.snapshotTimeoutTicks(), c.randomSeed());
    }
}
