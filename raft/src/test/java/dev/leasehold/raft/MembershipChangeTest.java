package dev.leasehold.raft;

import static dev.leasehold.raft.ConfChangeType.ADD_LEARNER;
import static dev.leasehold.raft.ConfChangeType.REMOVE;
import static dev.leasehold.raft.TestCluster.ofType;
import static dev.leasehold.raft.TestCluster.to;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.AppendResponse;
import dev.leasehold.raft.Message.RequestVote;
import org.junit.jupiter.api.Test;

/** Single-server membership changes (Raft dissertation §4.1): one at a time, in effect once committed. */
class MembershipChangeTest {

    private static final int ELECTION_TICKS = RaftConfig.defaults(1).electionTicks();

    @Test
    void aSecondChangeIsRefusedWhileTheFirstIsPending() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.addNode(5);

        assertThat(cluster.changeMembership(1, ADD_LEARNER, 4)).isInstanceOf(ProposeResult.Accepted.class);
        ProposeResult second = cluster.changeMembership(1, ADD_LEARNER, 5);

        assertThat(second).isInstanceOfSatisfying(ProposeResult.Rejected.class,
                r -> assertThat(r.reason()).contains("pending"));
        cluster.deliverAll();
        assertThat(cluster.changeMembership(1, ADD_LEARNER, 5)).isInstanceOf(ProposeResult.Accepted.class);
        cluster.deliverAll();
        assertThat(cluster.node(1).membership().learners()).containsExactly(4L, 5L);
    }

    @Test
    void aChangeDoesNotTakeEffectUntilItCommits() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(1);

        cluster.changeMembership(1, REMOVE, 3);
        cluster.deliverAll();

        assertThat(cluster.node(1).membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.node(1).lastIndex()).isGreaterThan(cluster.node(1).commitIndex());
    }

    @Test
    void aNewLeaderRefusesChangesUntilItHasCommittedAnEntryOfItsTerm() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.addNode(4);
        cluster.hold(ofType(AppendResponse.class));

        cluster.elect(1);
        ProposeResult early = cluster.changeMembership(1, ADD_LEARNER, 4);

        assertThat(early).isInstanceOfSatisfying(ProposeResult.Rejected.class,
                r -> assertThat(r.reason()).contains("not yet committed an entry of its term"));
        cluster.releaseHeld();
        cluster.deliverAll();
        assertThat(cluster.changeMembership(1, ADD_LEARNER, 4)).isInstanceOf(ProposeResult.Accepted.class);
    }

    @Test
    void aRemovedIdCannotBeAddedAgain() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.changeMembership(1, REMOVE, 3);
        cluster.deliverAll();
        assertThat(cluster.node(1).membership().removed()).containsExactly(3L);

        ProposeResult readd = cluster.changeMembership(1, ADD_LEARNER, 3);

        assertThat(readd).isInstanceOfSatisfying(ProposeResult.Rejected.class,
                r -> assertThat(r.reason()).contains("removed"));
    }

    @Test
    void aRemovedLeaderStepsDownOnceTheChangeCommitsAndTheOthersElectANewLeader() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "a");
        cluster.clearSent();

        cluster.changeMembership(1, REMOVE, 1);
        cluster.deliverAll();

        assertThat(cluster.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.node(1).membership().isVoter(1)).isFalse();
        long newLeader = cluster.tickUntilLeaderAmong(2, 3);
        assertThat(cluster.node(newLeader).term()).isGreaterThan(2);
        assertThat(cluster.node(newLeader).membership().voters()).containsExactly(2L, 3L);
        assertThat(cluster.sent(RequestVote.class)).noneMatch(m -> m.from() == 1);
        cluster.tickAll(5 * ELECTION_TICKS);
        assertThat(cluster.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.leader()).isEqualTo(newLeader);

        cluster.crash(1);
        cluster.propose(newLeader, "b");
        cluster.deliverAll();
        assertThat(cluster.applied(2)).containsExactly("a", "b");
        assertThat(cluster.applied(3)).containsExactly("a", "b");
    }

    @Test
    void removingAFollowerShrinksTheQuorum() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3, 4);
        cluster.elect(1);
        cluster.crash(4);

        cluster.changeMembership(1, REMOVE, 4);
        cluster.deliverAll();
        cluster.crash(3);
        cluster.propose(1, "x");
        cluster.deliverAll();

        // of four voters, 1 and 2 are no majority; of three, they are
        assertThat(cluster.node(1).membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.applied(1)).containsExactly("x");
        assertThat(cluster.applied(2)).containsExactly("x");
    }

    @Test
    void entriesAlreadyOnTheSmallerMajorityCommitAsSoonAsTheShrinkingChangeCommits() {
        // one entry per append, so that an append can carry the change without the entry after it
        TestCluster cluster = TestCluster.ofVoters(c -> c.withFlowControl(1, 256), 1, 2, 3, 4);
        cluster.elect(1);
        cluster.crash(4);
        cluster.isolate(3);
        ProposeResult.Accepted removal = (ProposeResult.Accepted) cluster.changeMembership(1, REMOVE, 4);
        ProposeResult.Accepted x = (ProposeResult.Accepted) cluster.propose(1, "x");
        cluster.deliverAll();
        // the removal and x are on 1 and 2: no majority of {1, 2, 3, 4}
        assertThat(cluster.node(1).commitIndex()).isLessThan(removal.index());

        // 3 comes back long enough to take the removal, but not x, and is gone again
        cluster.heal();
        cluster.drop(to(3).and(m -> m instanceof AppendEntries a
                && a.entries().stream().anyMatch(e -> e.index() == x.index())));
        cluster.tick(1, 3);
        assertThat(cluster.node(3).lastIndex()).isEqualTo(removal.index());
        cluster.crash(3);

        // the removal committed with 1, 2 and 3; now {1, 2} is a majority of {1, 2, 3} and both hold x
        assertThat(cluster.node(1).membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(x.index());
        cluster.tick(1, ELECTION_TICKS);
        assertThat(cluster.applied(2)).containsExactly("x");
    }

    @Test
    void aChangeCanRemoveALearner() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.changeMembership(1, ADD_LEARNER, 4);
        cluster.deliverAll();

        cluster.changeMembership(1, REMOVE, 4);
        cluster.deliverAll();
        cluster.clearSent();
        cluster.tick(1, 3);

        assertThat(cluster.node(1).membership().members()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.node(1).status().followers()).doesNotContainKey(4L);
        assertThat(cluster.sent()).noneMatch(m -> m.to() == 4);
    }
}
