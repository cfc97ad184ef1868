package dev.leasehold.raft;

import static dev.leasehold.raft.TestCluster.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What a node keeps across a crash: exactly what it persisted before acting on a Ready. */
class RestartTest {

    @Test
    void aLeaderThatCrashesBeforePersistingAProposalLosesItAndNoOneAppliesIt() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long lastIndex = cluster.node(1).lastIndex();

        ProposeResult.Accepted lost = (ProposeResult.Accepted) cluster.propose(1, "lost");
        cluster.crash(1);
        cluster.restart(1);

        assertThat(cluster.node(1).lastIndex()).isEqualTo(lastIndex);
        long newLeader = cluster.tickUntilNewLeader();
        cluster.propose(newLeader, "kept");
        cluster.deliverAll();
        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.applied(id)).as("state machine of %d", id).containsExactly("kept");
        }
        assertThat(cluster.node(1).termAt(lost.index())).isNotEqualTo(OptionalLong.of(lost.term()));
    }

    @Test
    void aFollowerThatCrashesBeforePersistingNeverAcknowledgedTheEntries() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(3);

        ProposeResult.Accepted x = (ProposeResult.Accepted) cluster.propose(1, "x");
        cluster.processReadies(); // 1 persists x and sends it to 2
        cluster.deliverQueued();  // 2 takes x into its log, but crashes before its Ready is handled
        cluster.crash(2);
        cluster.deliverAll();

        assertThat(cluster.node(1).commitIndex()).isLessThan(x.index());
        cluster.restart(2);
        assertThat(cluster.node(2).lastIndex()).isLessThan(x.index());
        cluster.tick(1, 1);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(x.index());
        assertThat(cluster.applied(2)).containsExactly("x");
    }

    @Test
    void aRestartedNodeRecoversItsTermVoteCommitIndexAndMembership() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.changeMembership(1, ConfChangeType.ADD_LEARNER, 4);
        cluster.propose(1, "a");
        cluster.propose(1, "b");
        cluster.deliverAll();
        HardState before = cluster.node(2).hardState();
        Membership membership = cluster.node(2).membership();

        cluster.crash(2);
        cluster.restart(2);

        RaftNode restarted = cluster.node(2);
        assertThat(restarted.hardState()).isEqualTo(before);
        assertThat(before.vote()).isEqualTo(1);
        assertThat(before.commit()).isEqualTo(cluster.node(1).commitIndex());
        assertThat(restarted.membership()).isEqualTo(membership);
        assertThat(restarted.membership().learners()).containsExactly(4L);
        assertThat(restarted.role()).isEqualTo(Role.FOLLOWER);
        cluster.deliverAll();
        assertThat(cluster.applied(2)).containsExactly("a", "b");
    }

    @Test
    void aRestartedVoterDoesNotVoteAgainInTheSameTerm() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withPreVote(false).withCheckQuorum(false), 1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(2).term();

        cluster.crash(2);
        cluster.restart(2);
        cluster.node(2).step(new Message.RequestVote(3, 2, term, 100, term, false, false));
        cluster.processReadies();

        assertThat(cluster.sent(Message.VoteResponse.class)).filteredOn(to(3))
                .containsExactly(new Message.VoteResponse(2, 3, term, false, true));
    }

    @Test
    void aRestartedLeaderComesBackAsAFollowerOfItsTerm() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(1).term();

        cluster.crash(1);
        cluster.restart(1);

        assertThat(cluster.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.node(1).term()).isEqualTo(term);
        assertThat(cluster.node(1).hardState().vote()).isEqualTo(1);
        assertThat(cluster.node(1).propose(TestCluster.bytes("x"))).isInstanceOf(ProposeResult.Rejected.class);
    }

    @Test
    void aStorageWhoseCommitIndexIsBeyondItsLogIsRejectedAsCorrupt() {
        MemoryStorage disk = new MemoryStorage();
        disk.bootstrap(Membership.ofVoters(List.of(1L)));
        disk.setHardState(new HardState(1, RaftNode.NONE, 5));

        assertThatThrownBy(() -> new RaftNode(RaftConfig.defaults(1), disk))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt");
    }

    @Test
    void aReadyMustBeAdvancedBeforeTheNextOne() {
        RaftNode node = TestCluster.ofVoters(1).node(1);
        node.tick();
        for (int i = 0; i < 40 && !node.hasReady(); i++) {
            node.tick();
        }
        Ready ready = node.ready();

        assertThat(node.hasReady()).isFalse();
        assertThatThrownBy(node::ready).isInstanceOf(IllegalStateException.class);
        node.advance(ready);
        assertThatThrownBy(() -> node.advance(ready)).isInstanceOf(IllegalStateException.class);
    }
}
