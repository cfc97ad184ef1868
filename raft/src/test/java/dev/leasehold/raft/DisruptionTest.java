package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.RequestVote;
import dev.leasehold.raft.Message.VoteResponse;
import org.junit.jupiter.api.Test;

/**
 * Pre-vote and check-quorum (Raft dissertation §9.6 and §6.2): a server that was cut off must not depose a healthy
 * leader when it comes back, and a leader that lost its majority must notice.
 */
class DisruptionTest {

    private static final int ELECTION_TICKS = RaftConfig.defaults(1).electionTicks();

    @Test
    void aPartitionedNodeThatRejoinsWithPreVoteDoesNotRaiseTheTermNorDisruptTheLeader() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(1).term();

        partitionNode3WhileTheOthersWriteThenHeal(cluster);

        assertThat(cluster.node(3).term()).as("term of 3 while cut off").isEqualTo(term);
        cluster.tickAll(3 * ELECTION_TICKS);
        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.node(id).term()).as("term of %d", id).isEqualTo(term);
            assertThat(cluster.node(id).leader()).as("leader of %d", id).isEqualTo(1);
        }
        assertThat(cluster.applied(3)).containsExactly("a", "b");
    }

    @Test
    void withoutPreVoteOrCheckQuorumTheSameRejoiningNodeRaisesTheTermAndDeposesTheLeader() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withPreVote(false).withCheckQuorum(false), 1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(1).term();

        partitionNode3WhileTheOthersWriteThenHeal(cluster);

        long termOf3 = cluster.node(3).term();
        assertThat(termOf3).as("term of 3 while cut off").isGreaterThan(term + 3);
        cluster.tickAll(3 * ELECTION_TICKS);
        assertThat(cluster.node(1).term()).isGreaterThan(termOf3);
        // 3's stale log keeps it from winning, but the cluster had to hold a new election
        assertThat(cluster.leader()).isIn(1L, 2L);
        assertThat(cluster.applied(3)).containsExactly("a", "b");
    }

    @Test
    void preVoteAloneKeepsANodeWithAStaleLogFromDisruptingTheLeader() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withCheckQuorum(false), 1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(1).term();

        partitionNode3WhileTheOthersWriteThenHeal(cluster);
        cluster.tickAll(3 * ELECTION_TICKS);

        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.node(id).term()).as("term of %d", id).isEqualTo(term);
            assertThat(cluster.node(id).leader()).as("leader of %d", id).isEqualTo(1);
        }
    }

    @Test
    void aLeaderCutOffFromTheMajorityStepsDownWithinTwoElectionTimeouts() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(1);

        cluster.tick(1, ELECTION_TICKS);
        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER); // it heard from both followers recently
        cluster.tick(1, ELECTION_TICKS);

        assertThat(cluster.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.node(1).leader()).isEqualTo(RaftNode.NONE);
        assertThat(cluster.propose(1, "x")).isInstanceOf(ProposeResult.Rejected.class);
    }

    @Test
    void aLeaderWithoutCheckQuorumKeepsLeadingWhenCutOff() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withCheckQuorum(false), 1, 2, 3);
        cluster.elect(1);
        cluster.isolate(1);

        cluster.tick(1, 5 * ELECTION_TICKS);

        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aLeaderThatHearsFromOneFollowerOfTwoKeepsLeading() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(3);

        cluster.tick(1, 5 * ELECTION_TICKS);

        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER);
    }

    @Test
    void aFollowerThatHearsFromALiveLeaderIgnoresAHigherTermVoteRequest() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(2).term();
        cluster.clearSent();

        cluster.node(2).step(new RequestVote(3, 2, term + 5, 100, term, false, false));
        cluster.deliverAll();

        assertThat(cluster.node(2).term()).isEqualTo(term);
        assertThat(cluster.node(2).leader()).isEqualTo(1);
        assertThat(cluster.sent(VoteResponse.class)).isEmpty();
    }

    @Test
    void aFollowerThatHearsFromALiveLeaderStillGrantsAVoteForALeadershipTransfer() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(2).term();
        cluster.clearSent();

        cluster.node(2).step(new RequestVote(3, 2, term + 1, 100, term, false, true));
        cluster.processReadies();

        assertThat(cluster.node(2).term()).isEqualTo(term + 1);
        assertThat(cluster.sent(VoteResponse.class)).containsExactly(new VoteResponse(2, 3, term + 1, false, false));
    }

    @Test
    void aFollowerWhoseLeaderWentSilentGrantsAHigherTermVote() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(1);
        long term = cluster.node(2).term();
        cluster.clearSent();

        cluster.tick(2, ELECTION_TICKS); // the lease ends after an election timeout without a heartbeat
        cluster.node(2).step(new RequestVote(3, 2, term + 1, 100, term, false, false));
        cluster.processReadies();

        assertThat(cluster.sent(VoteResponse.class))
                .filteredOn(r -> r.to() == 3).containsExactly(new VoteResponse(2, 3, term + 1, false, false));
    }

    /** Cuts 3 off; 1 and 2 commit "a" and "b"; 3's clock runs for ten election timeouts; then the network heals. */
    private static void partitionNode3WhileTheOthersWriteThenHeal(TestCluster cluster) {
        cluster.isolate(3);
        cluster.propose(1, "a");
        cluster.propose(1, "b");
        cluster.deliverAll();
        cluster.tick(3, 10 * ELECTION_TICKS);
        cluster.heal();
    }
}
