package dev.leasehold.raft;

import static dev.leasehold.raft.TestCluster.from;
import static dev.leasehold.raft.TestCluster.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.AppendResponse;
import dev.leasehold.raft.Message.Heartbeat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the leader paces replication to each follower: probe, pipelined replicate, batching (etcd's flow control). */
class FlowControlTest {

    private static final int WINDOW = 3;

    @Test
    void aLeaderPipelinesAtMostTheInFlightWindowOfAppendsToAFollowerThatHasNotAnswered() {
        // one entry per append, so that every proposal needs an append of its own
        TestCluster cluster = TestCluster.ofVoters(c -> c.withFlowControl(1, WINDOW), 1, 2, 3);
        cluster.elect(1);
        cluster.hold(ofType(AppendResponse.class));
        cluster.clearSent();

        for (int i = 0; i < 10; i++) {
            cluster.propose(1, "c" + i);
            cluster.deliverAll();
        }

        assertThat(appendsTo(cluster, 2)).hasSizeLessThanOrEqualTo(WINDOW).hasSizeGreaterThan(1)
                .allSatisfy(a -> assertThat(a.entries()).hasSize(1));
        assertThat(cluster.node(2).lastIndex()).isLessThan(cluster.node(1).lastIndex());

        cluster.releaseHeld();
        cluster.deliverAll();
        assertThat(cluster.applied(2)).hasSize(10).isEqualTo(cluster.applied(1));
        assertThat(cluster.progressOf(1, 2).match()).isEqualTo(cluster.node(1).lastIndex());
    }

    @Test
    void theWholeWindowCarriesEntriesWhileAFollowerHasNotAnswered() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withFlowControl(1, WINDOW), 1, 2, 3);
        cluster.elect(1);
        cluster.hold(from(2).and(ofType(AppendResponse.class)));
        cluster.clearSent();

        for (int i = 0; i < 10; i++) {
            cluster.propose(1, "c" + i);
            cluster.deliverAll();
        }

        // appends that only carry a new commit index (3 acknowledges everything) must not eat the window
        assertThat(appendsTo(cluster, 2)).filteredOn(a -> !a.entries().isEmpty()).hasSize(WINDOW);
    }

    @Test
    void withAWindowOfOneAProposalIsReplicatedWithoutWaitingForAHeartbeat() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withFlowControl(1 << 20, 1), 1, 2, 3);
        cluster.elect(1);

        cluster.propose(1, "a");
        cluster.deliverAll();
        cluster.propose(1, "b");
        cluster.deliverAll();

        assertThat(cluster.applied(1)).containsExactly("a", "b");
        assertThat(cluster.applied(2)).containsExactly("a", "b");
    }

    @Test
    void proposalsMadeBetweenTwoReadiesGoToAFollowerInOneAppend() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.clearSent();

        for (int i = 0; i < 5; i++) {
            cluster.propose(1, "c" + i);
        }
        cluster.processReadies();

        List<AppendEntries> appends = appendsTo(cluster, 2);
        assertThat(appends).hasSize(1);
        assertThat(appends.get(0).entries()).hasSize(5);
    }

    @Test
    void aBatchIsSplitAtTheMessageSizeLimit() {
        long twoEntries = 2 * (24 + 2);
        TestCluster cluster = TestCluster.ofVoters(c -> c.withFlowControl(twoEntries, 256), 1, 2, 3);
        cluster.elect(1);
        cluster.clearSent();

        for (int i = 0; i < 6; i++) {
            cluster.propose(1, "c" + i);
        }
        cluster.deliverAll();

        assertThat(appendsTo(cluster, 2)).allSatisfy(a -> assertThat(a.entries()).hasSizeLessThanOrEqualTo(2))
                .filteredOn(a -> !a.entries().isEmpty()).hasSize(3);
        assertThat(cluster.applied(2)).hasSize(6);
    }

    @Test
    void aFollowerInProbeStateGetsAtMostOneAppendPerHeartbeatWhileItDoesNotAnswerThem() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        // 3 answers heartbeats but its answers to appends are lost: the leader never learns where its log stands
        cluster.drop(from(3).and(ofType(AppendResponse.class)));
        cluster.elect(1);
        cluster.clearSent();

        for (int heartbeat = 0; heartbeat < 5; heartbeat++) {
            for (int i = 0; i < 3; i++) {
                cluster.propose(1, "c" + heartbeat + i);
            }
            cluster.tick(1, 1);
        }

        assertThat(cluster.sent(Heartbeat.class)).filteredOn(h -> h.to() == 3).hasSize(5);
        assertThat(appendsTo(cluster, 3)).hasSizeLessThanOrEqualTo(5);
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.PROBE);
        assertThat(appendsTo(cluster, 2)).hasSizeGreaterThanOrEqualTo(5);

        cluster.heal();
        cluster.tick(1, 1);
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(cluster.applied(3)).hasSize(15);
    }

    @Test
    void aLeaderStopsSendingAppendsToAFollowerThatNeverAnswers() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.crash(3);
        cluster.elect(1);

        for (int i = 0; i < 10; i++) {
            cluster.propose(1, "c" + i);
            cluster.tick(1, 1);
        }

        // the first probe went unanswered; after it only heartbeats
        assertThat(appendsTo(cluster, 3)).hasSize(1);
        assertThat(cluster.sent(Heartbeat.class)).filteredOn(h -> h.to() == 3).hasSize(10);
    }

    private static List<AppendEntries> appendsTo(TestCluster cluster, long follower) {
        return cluster.sent(AppendEntries.class).stream().filter(a -> a.to() == follower).toList();
    }
}
