package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.TimeoutNow;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Leadership transfer (Raft dissertation §3.10). */
class LeadershipTransferTest {

    private static final int ELECTION_TICKS = RaftConfig.defaults(1).electionTicks();

    @Test
    void aTransferToAnUpToDateFollowerMakesItLeaderInTheNextTermWithoutWaitingForATimeout() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        long term = cluster.node(1).term();

        assertThat(cluster.node(1).transferLeadership(2)).isTrue();
        cluster.deliverAll();

        assertThat(cluster.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(cluster.node(2).term()).isEqualTo(term + 1);
        assertThat(cluster.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(cluster.node(1).leader()).isEqualTo(2);
        cluster.propose(2, "x");
        cluster.deliverAll();
        assertThat(cluster.applied(1)).containsExactly("x");
    }

    @Test
    void aTransferToALaggingFollowerFirstCatchesItUpThenSendsTimeoutNow() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(2);
        cluster.propose(1, "a");
        cluster.propose(1, "b");
        cluster.deliverAll();
        cluster.heal();
        long leaderLastIndex = cluster.node(1).lastIndex();
        assertThat(cluster.node(2).lastIndex()).isLessThan(leaderLastIndex);
        cluster.clearSent();

        assertThat(cluster.node(1).transferLeadership(2)).isTrue();
        cluster.deliverAll();

        List<Message> toTwo = cluster.sent().stream().filter(m -> m.from() == 1 && m.to() == 2).toList();
        int catchUp = indexOf(toTwo, m -> m instanceof AppendEntries a
                && a.entries().stream().anyMatch(e -> e.index() == leaderLastIndex));
        int timeoutNow = indexOf(toTwo, m -> m instanceof TimeoutNow);
        assertThat(catchUp).as("the missing entries are sent").isNotNegative();
        assertThat(timeoutNow).as("TimeoutNow follows them").isGreaterThan(catchUp);
        assertThat(cluster.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(cluster.applied(2)).containsExactly("a", "b");
    }

    @Test
    void proposalsAreRefusedWhileATransferIsUnderWay() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.isolate(2);

        cluster.node(1).transferLeadership(2);
        ProposeResult during = cluster.propose(1, "x");

        assertThat(during).isInstanceOfSatisfying(ProposeResult.Rejected.class, r -> {
            assertThat(r.reason()).contains("transferred");
            assertThat(r.leader()).isEqualTo(1);
        });
    }

    @Test
    void aTransferToANodeThatIsDownIsAbandonedAfterAnElectionTimeout() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(3);

        assertThat(cluster.node(1).transferLeadership(3)).isTrue();
        cluster.tickAll(ELECTION_TICKS - 1);
        assertThat(cluster.propose(1, "early")).isInstanceOf(ProposeResult.Rejected.class);
        cluster.tickAll(1);

        assertThat(cluster.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(cluster.propose(1, "x")).isInstanceOf(ProposeResult.Accepted.class);
        cluster.deliverAll();
        assertThat(cluster.applied(2)).containsExactly("x");
    }

    @Test
    void aTransferIsRefusedToItselfToALearnerAndByAFollower() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.changeMembership(1, ConfChangeType.ADD_LEARNER, 4);
        cluster.deliverAll();

        assertThat(cluster.node(1).transferLeadership(1)).isFalse();
        assertThat(cluster.node(1).transferLeadership(4)).isFalse();
        assertThat(cluster.node(2).transferLeadership(3)).isFalse();
        assertThat(cluster.propose(1, "x")).isInstanceOf(ProposeResult.Accepted.class);
    }

    private static int indexOf(List<Message> messages, Predicate<Message> p) {
        for (int i = 0; i < messages.size(); i++) {
            if (p.test(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
