package dev.leasehold.raft;

import static dev.leasehold.raft.TestCluster.from;
import static dev.leasehold.raft.TestCluster.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendResponse;
import dev.leasehold.raft.Message.HeartbeatResponse;
import org.junit.jupiter.api.Test;

/** Linearizable reads without writing to the log (Raft dissertation §6.4). */
class ReadIndexTest {

    @Test
    void aLeaderAnswersAReadAtItsCommitIndexOnlyOnceAQuorumAcknowledgedAHeartbeatRound() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "x");
        cluster.deliverAll();
        long commit = cluster.node(1).commitIndex();
        cluster.hold(ofType(HeartbeatResponse.class));

        assertThat(cluster.node(1).readIndex(7)).isTrue();
        cluster.deliverAll();

        assertThat(cluster.readStates(1)).isEmpty();
        cluster.releaseHeld();
        cluster.deliverAll();
        assertThat(cluster.readStates(1)).containsExactly(new ReadState(7, commit));
    }

    @Test
    void oneFollowersAcknowledgementIsAQuorumOfThree() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(3);

        cluster.node(1).readIndex(7);
        cluster.deliverAll();

        assertThat(cluster.readStates(1)).containsExactly(new ReadState(7, cluster.node(1).commitIndex()));
    }

    @Test
    void anAcknowledgementOfAnEarlierHeartbeatDoesNotConfirmARead() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.hold(ofType(HeartbeatResponse.class));
        cluster.tick(1, 1); // a heartbeat round the read did not ask for

        cluster.node(1).readIndex(7);
        cluster.drop(ofType(HeartbeatResponse.class).and(m -> ((HeartbeatResponse) m).readRound() > 0));
        cluster.deliverAll();
        cluster.releaseHeld();
        cluster.deliverAll();

        assertThat(cluster.readStates(1)).isEmpty();
    }

    @Test
    void aDeposedLeaderThatDoesNotKnowItNeverAnswersAReadAfterTheNewLeaderWrote() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(1);
        long newLeader = cluster.tickUntilLeaderAmong(2, 3);
        cluster.propose(newLeader, "written by the new leader");
        cluster.deliverAll();
        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER);

        cluster.node(1).readIndex(9);
        cluster.tick(1, 3);
        assertThat(cluster.readStates(1)).isEmpty();

        cluster.heal();
        cluster.tickAll(3);
        assertThat(cluster.node(1).leader()).isEqualTo(newLeader);
        assertThat(cluster.readStates(1)).isEmpty();
    }

    @Test
    void aFollowerForwardsAReadToTheLeaderAndGetsItsCommitIndex() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "x");
        cluster.deliverAll();

        assertThat(cluster.node(2).readIndex(11)).isTrue();
        cluster.deliverAll();

        assertThat(cluster.readStates(2)).containsExactly(new ReadState(11, cluster.node(1).commitIndex()));
        assertThat(cluster.readStates(1)).isEmpty();
    }

    @Test
    void aFollowerWithoutALeaderRefusesARead() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);

        assertThat(cluster.node(2).readIndex(11)).isFalse();
    }

    @Test
    void aNewLeaderAnswersOnlyAfterCommittingAnEntryOfItsTerm() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.hold(from(2).and(ofType(AppendResponse.class)));
        cluster.hold(from(3).and(ofType(AppendResponse.class)));
        cluster.elect(1);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(1);

        cluster.node(1).readIndex(5);
        cluster.tick(1, 2);
        assertThat(cluster.readStates(1)).isEmpty();

        cluster.releaseHeld();
        cluster.deliverAll();
        cluster.tick(1, 1);
        assertThat(cluster.readStates(1)).containsExactly(new ReadState(5, 2));
    }

    @Test
    void withLeaseBasedReadsALeaderWhoseLastHeartbeatRoundAQuorumAckedAnswersWithoutAnotherRound() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withReadOnlyOption(ReadOnlyOption.LEASE_BASED), 1, 2, 3);
        cluster.elect(1);
        cluster.tick(1, 1);
        cluster.deliverAll();
        cluster.clearSent();

        cluster.node(1).readIndex(3);
        cluster.processReadies();

        assertThat(cluster.readStates(1)).containsExactly(new ReadState(3, cluster.node(1).commitIndex()));
        assertThat(cluster.sent()).isEmpty();
    }

    @Test
    void aLeaseBasedReadIsNotAnsweredByALeaderWhoseLeaseMayHaveExpired() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withReadOnlyOption(ReadOnlyOption.LEASE_BASED), 1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "x=1");
        cluster.deliverAll();
        cluster.isolate(1);

        // every clock runs at exactly the same rate: no drift at all
        long newLeader = cluster.tickUntilLeaderAmong(2, 3);
        ProposeResult.Accepted write = (ProposeResult.Accepted) cluster.propose(newLeader, "x=2");
        cluster.deliverAll();
        assertThat(cluster.applied(newLeader)).endsWith("x=2"); // acknowledged to the client
        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER); // the old leader has not noticed yet

        cluster.node(1).readIndex(7);
        cluster.processReadies();

        // any answer now is at the old leader's commit index, before x=2: a stale read
        assertThat(cluster.readStates(1)).allSatisfy(r -> assertThat(r.index()).isGreaterThanOrEqualTo(write.index()));
    }

    @Test
    void withSafeReadsTheSameRequestWaitsForTheRound() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.clearSent();

        cluster.node(1).readIndex(3);
        cluster.processReadies();

        assertThat(cluster.readStates(1)).isEmpty();
        assertThat(cluster.sent()).isNotEmpty();
    }

    @Test
    void aSingleVoterAnswersAtOnce() {
        TestCluster cluster = TestCluster.ofVoters(1);
        cluster.elect(1);

        cluster.node(1).readIndex(3);
        cluster.processReadies();

        assertThat(cluster.readStates(1)).containsExactly(new ReadState(3, 2));
    }
}
