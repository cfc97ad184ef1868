package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.AppendResponse;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a new leader forces followers' logs to duplicate its own (Raft §5.3, figure 7), and how quickly it finds
 * where they match.
 *
 * <p>Logs are written as the terms of their entries. Index 1 is the cluster's bootstrap CONFIG entry of term 1,
 * so the figure's logs read exactly as in the paper: the leader's is 1 1 1 4 4 5 5 6 6 6, and it campaigns in
 * term 8.
 */
class LogRepairTest {

    private static final long[] LEADER = {1, 1, 4, 4, 5, 5, 6, 6, 6};
    private static final long[] MISSING_ONE = {1, 1, 4, 4, 5, 5, 6, 6};
    private static final long[] MISSING_MANY = {1, 1, 4};
    private static final long[] EXTRA_OF_LEADERS_TERM = {1, 1, 4, 4, 5, 5, 6, 6, 6, 6};
    private static final long[] EXTRA_OF_LATER_TERM = {1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7};
    private static final long[] CONFLICTING_OF_TERM_4 = {1, 1, 4, 4, 4, 4};
    private static final long[] CONFLICTING_OF_TERMS_2_AND_3 = {1, 1, 2, 2, 2, 3, 3, 3, 3, 3};

    /** After the election the leader appends its empty entry of term 8 at index 11. */
    private static final List<Long> LEADER_LOG_IN_TERM_8 = List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 8L);

    private static final UnaryOperator<RaftConfig> NO_LEASE = c -> c.withCheckQuorum(false);

    static List<Arguments> figure7Followers() {
        return List.of(
                Arguments.of("(a) missing one entry", MISSING_ONE),
                Arguments.of("(b) missing many entries", MISSING_MANY),
                Arguments.of("(c) an extra uncommitted entry of the leader's last term", EXTRA_OF_LEADERS_TERM),
                Arguments.of("(d) extra uncommitted entries of a later term", EXTRA_OF_LATER_TERM),
                Arguments.of("(e) conflicting entries of an older term", CONFLICTING_OF_TERM_4),
                Arguments.of("(f) conflicting entries of older terms", CONFLICTING_OF_TERMS_2_AND_3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("figure7Followers")
    void theLeaderMakesAFollowersLogDuplicateItsOwn(String description, long[] followerLog) {
        Membership voters = Membership.ofVoters(List.of(1L, 2L, 3L));
        TestCluster cluster = TestCluster.fromDisks(NO_LEASE, Map.of(
                1L, TestCluster.diskWithLog(voters, 7, LEADER),
                2L, TestCluster.diskWithLog(voters, 7, followerLog),
                3L, TestCluster.diskWithLog(voters, 7, LEADER)));

        cluster.elect(1);

        assertThat(cluster.node(1).term()).isEqualTo(8);
        assertThat(cluster.logTerms(2)).isEqualTo(LEADER_LOG_IN_TERM_8);
        assertThat(cluster.node(2).commitIndex()).isEqualTo(11);
        assertThat(cluster.applied(2)).isEqualTo(cluster.applied(1)).hasSize(9);
    }

    @Test
    void theLeaderOfFigure7RepairsAllSixFollowersAtOnce() {
        Membership voters = Membership.ofVoters(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L));
        TestCluster cluster = TestCluster.fromDisks(NO_LEASE, Map.of(
                1L, TestCluster.diskWithLog(voters, 7, LEADER),
                2L, TestCluster.diskWithLog(voters, 7, MISSING_ONE),
                3L, TestCluster.diskWithLog(voters, 7, MISSING_MANY),
                4L, TestCluster.diskWithLog(voters, 7, EXTRA_OF_LEADERS_TERM),
                5L, TestCluster.diskWithLog(voters, 7, EXTRA_OF_LATER_TERM),
                6L, TestCluster.diskWithLog(voters, 7, CONFLICTING_OF_TERM_4),
                7L, TestCluster.diskWithLog(voters, 7, CONFLICTING_OF_TERMS_2_AND_3)));

        // (a), (b), (e) and (f) vote for the leader; (c) and (d) have more up-to-date logs and refuse
        cluster.elect(1);

        for (long id = 1; id <= 7; id++) {
            assertThat(cluster.logTerms(id)).as("log of %d", id).isEqualTo(LEADER_LOG_IN_TERM_8);
            assertThat(cluster.node(id).commitIndex()).as("commit of %d", id).isEqualTo(11);
            assertThat(cluster.applied(id)).as("state machine of %d", id).isEqualTo(cluster.applied(1));
        }
    }

    @Test
    void aFollowerWithManyConflictingEntriesOfOneTermIsRepairedInAFewRoundTrips() {
        Membership voters = Membership.ofVoters(List.of(1L, 2L, 3L));
        long[] leaderLog = log(run(2, 2), run(50, 4));
        long[] followerLog = log(run(2, 2), run(100, 3)); // term 3 never committed anything
        TestCluster cluster = TestCluster.fromDisks(NO_LEASE, Map.of(
                1L, TestCluster.diskWithLog(voters, 4, leaderLog),
                2L, TestCluster.diskWithLog(voters, 4, followerLog),
                3L, TestCluster.diskWithLog(voters, 4, leaderLog)));
        // leave the follower to repair alone, so that no commit by the others shortens the search
        cluster.isolate(3);

        cluster.elect(1);

        assertThat(cluster.logTerms(2)).isEqualTo(cluster.logTerms(1));
        List<AppendResponse> rejections = cluster.sent(AppendResponse.class).stream()
                .filter(r -> r.from() == 2 && r.reject()).toList();
        List<AppendEntries> appends = cluster.sent(AppendEntries.class).stream().filter(a -> a.to() == 2).toList();
        // one rejection skips the follower's whole term 3, not one entry per round trip
        assertThat(rejections).hasSizeLessThanOrEqualTo(2);
        assertThat(appends).hasSizeLessThanOrEqualTo(4);
    }

    @Test
    void aFollowerWithEntriesOfALaterTermThanTheLeadersAtTheSameIndexesIsRepairedInAFewRoundTrips() {
        Membership voters = Membership.ofVoters(List.of(1L, 2L, 3L));
        long[] leaderLog = log(run(60, 2), run(1, 5));
        long[] followerLog = log(run(2, 2), run(100, 3));
        TestCluster cluster = TestCluster.fromDisks(NO_LEASE, Map.of(
                1L, TestCluster.diskWithLog(voters, 5, leaderLog),
                2L, TestCluster.diskWithLog(voters, 5, followerLog),
                3L, TestCluster.diskWithLog(voters, 5, leaderLog)));
        cluster.isolate(3);

        cluster.elect(1);

        assertThat(cluster.logTerms(2)).isEqualTo(cluster.logTerms(1));
        long rejections = cluster.sent(AppendResponse.class).stream().filter(r -> r.from() == 2 && r.reject())
                .count();
        assertThat(rejections).isLessThanOrEqualTo(3);
    }

    /** {@code count} entries of {@code term}. */
    private static long[] run(int count, long term) {
        return LongStream.generate(() -> term).limit(count).toArray();
    }

    private static long[] log(long[]... runs) {
        return Stream.of(runs).flatMapToLong(LongStream::of).toArray();
    }
}
