package dev.leasehold.raft;

import static dev.leasehold.raft.TestCluster.from;
import static dev.leasehold.raft.TestCluster.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * When an entry counts as committed (Raft §5.3, §5.4.2 and figure 8).
 *
 * <p>The figure 8 scenario is played with three servers; X is the command S1 proposes in term 2, at index 3. The
 * cluster runs without the check-quorum lease so that a server can be elected right after a crash: the lease is
 * not what this class is about.
 */
class CommitmentTest {

    private static final long X_INDEX = 3;

    @Test
    void aLeaderDoesNotCommitAnEntryOfAnEarlierTermByCountingReplicas() {
        TestCluster cluster = figure8UpToTerm4();

        // X (term 2) is on S1 and S3, a majority, and S1 knows it; S1's own entry of term 4 is on S1 alone
        assertThat(cluster.progressOf(1, 3).match()).isEqualTo(X_INDEX);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(2);
        assertThat(cluster.applied(1)).doesNotContain("X");
        assertThat(cluster.applied(3)).doesNotContain("X");
    }

    @Test
    void anEntryOfAnEarlierTermCommitsOnceAnEntryOfTheLeadersTermReachesAMajority() {
        TestCluster cluster = figure8UpToTerm4();

        cluster.heal();
        cluster.tick(1, 1); // a heartbeat round lets S1 find and fill what S3 misses

        assertThat(cluster.node(1).commitIndex()).isEqualTo(X_INDEX + 1);
        assertThat(cluster.logTerms(3)).containsExactly(1L, 2L, 2L, 4L);
        assertThat(cluster.applied(1)).containsExactly("X");
        assertThat(cluster.applied(3)).containsExactly("X");
    }

    @Test
    void anEntryOfAnEarlierTermOnAMajorityCanStillBeOverwrittenSoItWasRightNotToCommitIt() {
        TestCluster cluster = figure8UpToTerm4();

        // (d) S1 crashes; S2, whose last entry is of term 3, wins S3's vote and overwrites X
        cluster.crash(1);
        cluster.heal();
        cluster.restart(2);
        cluster.elect(2);
        cluster.restart(1);
        cluster.tick(2, 1);

        assertThat(cluster.node(2).term()).isEqualTo(5);
        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.logTerms(id)).as("log of %d", id).containsExactly(1L, 2L, 3L, 5L);
            assertThat(cluster.node(id).commitIndex()).as("commit of %d", id).isEqualTo(4);
            assertThat(cluster.applied(id)).as("state machine of %d", id).doesNotContain("X");
        }
    }

    @Test
    void aLeaderCountsItsOwnEntryOnlyOnceItIsPersisted() {
        TestCluster cluster = TestCluster.ofVoters(1);
        cluster.elect(1);

        ProposeResult.Accepted x = (ProposeResult.Accepted) cluster.propose(1, "x");

        assertThat(cluster.node(1).commitIndex()).isLessThan(x.index());
        Ready ready = cluster.node(1).ready();
        assertThat(ready.entries()).extracting(Entry::index).containsExactly(x.index());
        assertThat(cluster.node(1).commitIndex()).isLessThan(x.index());
        cluster.disk(1).persist(ready);
        cluster.node(1).advance(ready);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(x.index());
    }

    @Test
    void committedEntriesBeyondThePerReadyLimitAreHandedOutInLaterReadiesInOrder() {
        long twoEntries = 2 * (24 + 2);
        TestCluster cluster = TestCluster.ofVoters(c -> new RaftConfig(c.id(), c.electionTicks(), c.heartbeatTicks(),
                c.preVote(), c.checkQuorum(), c.readOnlyOption(), c.maxMessageBytes(), c.maxInflightMessages(),
                twoEntries, c.promotionLagEntries(), c.snapshotTimeoutTicks(), c.randomSeed()), 1);
        cluster.elect(1);
        for (int i = 0; i < 5; i++) {
            cluster.propose(1, "c" + i);
        }
        RaftNode node = cluster.node(1);
        Ready persist = node.ready();
        cluster.disk(1).persist(persist);
        node.advance(persist);
        assertThat(node.commitIndex()).isEqualTo(7);

        List<List<Long>> batches = new ArrayList<>();
        while (node.hasReady()) {
            Ready ready = node.ready();
            batches.add(ready.committedEntries().stream().map(Entry::index).toList());
            node.advance(ready);
        }
        assertThat(batches).containsExactly(List.of(3L, 4L), List.of(5L, 6L), List.of(7L));
    }

    @Test
    void anEntryAcknowledgedByAMajorityOfFollowersCommitsAndIsAppliedEverywhere() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3, 4, 5);
        cluster.elect(1);
        cluster.crash(4);
        cluster.crash(5);

        ProposeResult.Accepted x = (ProposeResult.Accepted) cluster.propose(1, "x");
        cluster.deliverAll();

        for (long id = 1; id <= 3; id++) {
            assertThat(cluster.node(id).commitIndex()).isEqualTo(x.index());
            assertThat(cluster.applied(id)).containsExactly("x");
        }
        cluster.crash(3);
        cluster.propose(1, "y");
        cluster.deliverAll();
        assertThat(cluster.node(1).commitIndex()).isEqualTo(x.index());
        assertThat(cluster.applied(1)).containsExactly("x");
    }

    /**
     * Plays figure 8 (a)–(c) with three servers:
     * (a) S1 leads term 2 and appends X at index 3, which reaches no one.
     * (b) S1 is cut off; S2 wins term 3 with S3's vote and appends its empty entry at index 3, which reaches no
     * one; S2 crashes.
     * (c) S1 restarts and wins term 4 with S3's vote. It sends X to S3, but its own empty entry of term 4 (index
     * 4) does not get through to S3.
     */
    private static TestCluster figure8UpToTerm4() {
        TestCluster cluster = TestCluster.ofVoters(c -> c.withCheckQuorum(false).withFlowControl(1, 256), 1, 2, 3);
        cluster.elect(1);
        assertThat(cluster.node(1).commitIndex()).isEqualTo(2);

        // (a)
        cluster.isolate(1);
        cluster.propose(1, "X");
        cluster.deliverAll();
        assertThat(cluster.logTerms(1)).containsExactly(1L, 2L, 2L);

        // (b)
        cluster.drop(from(2).and(ofType(AppendEntries.class)));
        cluster.elect(2);
        assertThat(cluster.node(2).term()).isEqualTo(3);
        assertThat(cluster.logTerms(2)).containsExactly(1L, 2L, 3L);
        cluster.crash(2);

        // (c)
        cluster.heal();
        cluster.crash(1);
        cluster.restart(1);
        cluster.drop(appendThatS3WouldAcceptCarryingTerm(cluster, 4));
        cluster.elect(1);
        assertThat(cluster.node(1).term()).isEqualTo(4);
        assertThat(cluster.logTerms(1)).containsExactly(1L, 2L, 2L, 4L);
        assertThat(cluster.logTerms(3)).containsExactly(1L, 2L, 2L);
        return cluster;
    }

    /**
     * Appends to S3 that carry an entry of {@code term} and match S3's log, so that S3 would take them. Appends S3
     * rejects still get through: they are how S1 finds that S3 lacks X.
     */
    private static Predicate<Message> appendThatS3WouldAcceptCarryingTerm(TestCluster cluster, long term) {
        return m -> m instanceof AppendEntries a && a.to() == 3
                && a.entries().stream().anyMatch(e -> e.term() == term)
                && cluster.node(3).termAt(a.prevIndex()).equals(OptionalLong.of(a.prevTerm()));
    }
}
