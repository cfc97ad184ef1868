package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.RequestVote;
import dev.leasehold.raft.Message.VoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Leader election (Raft §5.2) and the election restriction (§5.4.1). */
class ElectionTest {

    private static final int ELECTION_TICKS = RaftConfig.defaults(1).electionTicks();

    @Test
    void aSingleNodeElectsItselfAndCommitsAlone() {
        TestCluster cluster = TestCluster.ofVoters(1);

        cluster.campaign(1);

        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(cluster.node(1).term()).isEqualTo(2);
        cluster.propose(1, "x=1");
        cluster.deliverAll();
        assertThat(cluster.applied(1)).containsExactly("x=1");
    }

    @Test
    void threeNodesElectExactlyOneLeaderAfterTheirTimeouts() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);

        long leader = cluster.tickUntilNewLeader();

        List<RaftNode> nodes = List.of(cluster.node(1), cluster.node(2), cluster.node(3));
        assertThat(nodes).filteredOn(n -> n.role() == Role.LEADER).hasSize(1);
        assertThat(nodes).allSatisfy(n -> {
            assertThat(n.leader()).isEqualTo(leader);
            assertThat(n.term()).isEqualTo(cluster.node(leader).term());
        });
        // the leader's empty entry of its term is committed everywhere
        assertThat(nodes).allSatisfy(n -> assertThat(n.commitIndex()).isEqualTo(2));
    }

    @Test
    void aCandidateWithAStaleLogLosesTheElection() {
        // no pre-vote, so that the stale candidate really asks for votes; no check-quorum lease in the way
        TestCluster cluster = TestCluster.ofVoters(c -> c.withPreVote(false).withCheckQuorum(false), 1, 2, 3);
        cluster.elect(1);
        cluster.isolate(3);
        cluster.propose(1, "a");
        cluster.propose(1, "b");
        cluster.deliverAll();
        cluster.heal();
        cluster.clearSent();

        cluster.campaign(3);

        assertThat(cluster.node(3).role()).isNotEqualTo(Role.LEADER);
        List<VoteResponse> answers = cluster.sent(VoteResponse.class);
        assertThat(answers).extracting(VoteResponse::from).containsExactlyInAnyOrder(1L, 2L);
        assertThat(answers).allSatisfy(r -> assertThat(r.reject()).isTrue());

        long newLeader = cluster.tickUntilNewLeader();
        assertThat(newLeader).isIn(1L, 2L);
        assertThat(cluster.applied(3)).containsExactly("a", "b");
    }

    @Test
    void aVoterRejectsACandidateWhoseLastEntryIsOfAnOlderTerm() {
        MemoryStorage disk = TestCluster.diskWithLog(Membership.ofVoters(List.of(1L, 2L, 3L)), 3, 2, 3);
        RaftNode voter = new RaftNode(RaftConfig.defaults(2).withPreVote(false), disk);

        // longer log, but its last entry is of term 2 < 3
        voter.step(new RequestVote(1, 2, 4, 10, 2, false, false));
        // same last term, shorter log
        voter.step(new RequestVote(3, 2, 4, 2, 3, false, false));

        assertThat(voter.ready().messages()).containsExactly(
                new VoteResponse(2, 1, 4, false, true),
                new VoteResponse(2, 3, 4, false, true));
    }

    @Test
    void aNodeVotesAtMostOncePerTerm() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withPreVote(false), 1, 2, 3);
        RaftNode voter = cluster.node(2);

        voter.step(new RequestVote(1, 2, 2, 1, 1, false, false));
        voter.step(new RequestVote(3, 2, 2, 1, 1, false, false));
        voter.step(new RequestVote(1, 2, 2, 1, 1, false, false)); // a retransmission is granted again

        Ready ready = voter.ready();
        assertThat(ready.hardState()).contains(new HardState(2, 1, 1));
        assertThat(ready.messages()).containsExactly(
                new VoteResponse(2, 1, 2, false, false),
                new VoteResponse(2, 3, 2, false, true),
                new VoteResponse(2, 1, 2, false, false));
        voter.advance(ready);

        // a new term frees the vote
        voter.step(new RequestVote(3, 2, 3, 1, 1, false, false));
        assertThat(voter.ready().messages()).containsExactly(new VoteResponse(2, 3, 3, false, false));
    }

    @Test
    void twoCandidatesInOneTermDoNotBothWin() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withPreVote(false).withCheckQuorum(false), 1, 2, 3, 4, 5);
        // 1 and 5 both time out and ask for votes in term 2 before hearing each other
        for (long candidate : List.of(1L, 5L)) {
            RaftNode node = cluster.node(candidate);
            for (int i = 0; i < 2 * ELECTION_TICKS && node.role() == Role.FOLLOWER; i++) {
                node.tick();
            }
            assertThat(node.role()).isEqualTo(Role.CANDIDATE);
            assertThat(node.term()).isEqualTo(2);
        }

        cluster.deliverAll();

        for (long voter : List.of(2L, 3L, 4L)) {
            assertThat(cluster.sent(VoteResponse.class).stream()
                    .filter(r -> r.from() == voter && r.term() == 2 && !r.reject()).map(VoteResponse::to).distinct())
                    .as("candidates %d voted for", voter).hasSizeLessThanOrEqualTo(1);
        }
        long leaders = List.of(1L, 2L, 3L, 4L, 5L).stream()
                .filter(id -> cluster.node(id).role() == Role.LEADER && cluster.node(id).term() == 2).count();
        assertThat(leaders).isLessThanOrEqualTo(1);
    }
}
