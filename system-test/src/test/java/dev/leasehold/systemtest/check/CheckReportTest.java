package dev.leasehold.systemtest.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.linearizability.CheckResult.Verdict;
import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Each check passes on good histories and fails on hand-made bad ones. */
class CheckReportTest {

    private static CheckReport check(TestHistory h) {
        return CheckReport.of(h.history(), Duration.ofSeconds(10));
    }

    /** Two sessions take lock a in turn, each writing with its token and reading back. */
    private static TestHistory twoHoldersInTurn() {
        return TestHistory.w1HoldsTokenTenOfA()
                .acquire("w2", "a", 6, 12, 2, 9) // waits for w1's release
                .put("w1", "a", 5, 10, "one", Kind.OK, 1, 4, 5)
                .get("w1", "a", "one", 5, 6)
                .release("w1", "a", 5, 10, true, 7, 8)
                .put("w2", "a", 6, 12, "two", Kind.OK, 2, 10, 11)
                .release("w2", "a", 6, 12, true, 12, 13)
                .revoke("w1", 5, "", 14, 15).revoke("w2", 6, "", 14, 15)
                .get("test", "a", "two", 16, 17);
    }

    @Test
    void holdersThatTakeTurnsPassEveryCheck() {
        CheckReport report = check(twoHoldersInTurn());

        assertThat(report.violations()).isEmpty();
        assertThat(report.linearizability().verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(report.acceptedWrites()).isEqualTo(2);
        assertThat(report.sessions()).isEqualTo(2);
    }

    @Test
    void overlappingHoldersFailLinearizabilityAndMutualExclusion() {
        TestHistory h = TestHistory.w1HoldsTokenTenOfA()
                .acquire("w2", "a", 6, 12, 4, 5) // granted while w1 holds token 10 and never let go
                .put("w1", "a", 5, 10, "one", Kind.OK, 1, 6, 7)
                .put("w2", "a", 6, 12, "two", Kind.OK, 2, 8, 9);

        CheckReport report = check(h);

        assertThat(report.linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(report.mutualExclusion()).singleElement().asString()
                .contains("token 10 was still in use").contains("after token 12");
        assertThat(report.fencing()).isEmpty(); // in revision order the tokens still grow
    }

    @Test
    void acceptedWritesWhoseTokensDecreaseInRevisionOrderFailTheFencingCheck() {
        TestHistory h = TestHistory.w1HoldsTokenTenOfA()
                .release("w1", "a", 5, 10, true, 4, 5)
                .acquire("w2", "a", 6, 12, 4, 6)
                // concurrent in real time, so only the revisions show that the stale write came second
                .put("w2", "a", 6, 12, "two", Kind.OK, 7, 7, 20)
                .put("w1", "a", 5, 10, "stale", Kind.OK, 8, 7, 20);

        CheckReport report = check(h);

        assertThat(report.fencing()).singleElement().asString()
                .contains("token 10 accepted at revision 8 after token 12");
        assertThat(report.linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void twoWritesAtOneRevisionFailTheFencingCheck() {
        TestHistory h = new TestHistory().grant("w1", 5, 0, 1).acquire("w1", "a", 5, 10, 2, 3)
                .put("w1", "a", 5, 10, "x", Kind.OK, 4, 4, 5).put("w1", "a", 5, 10, "y", Kind.OK, 4, 6, 7);

        assertThat(check(h).fencing()).singleElement().asString().contains("two accepted writes at revision 4");
    }

    @Test
    void aGrantWithALowerTokenThanAnEarlierOneIsNotLinearizable() {
        TestHistory h = TestHistory.w1HoldsTokenTenOfA()
                .release("w1", "a", 5, 10, true, 4, 5)
                .acquire("w2", "a", 6, 9, 6, 7);

        CheckReport report = check(h);

        assertThat(report.linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(report.mutualExclusion()).isNotEmpty();
    }

    @Test
    void aTryAcquireRefusedWhileTheLockIsFreeIsNotLinearizable() {
        TestHistory h = new TestHistory().grant("w1", 5, 0, 1).tryAcquireRefused("w1", "a", 5, 2, 3);

        assertThat(check(h).linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anIndeterminateWriteMayHaveTakenEffectButARejectedOneMayNot() {
        TestHistory indeterminate = new TestHistory().grant("w1", 5, 0, 1).acquire("w1", "a", 5, 10, 2, 3)
                .put("w1", "a", 5, 10, "maybe", Kind.INFO, 0, 4, 5)
                .release("w1", "a", 5, 10, true, 6, 7)
                .get("test", "a", "maybe", 8, 9);
        TestHistory rejected = new TestHistory().grant("w1", 5, 0, 1).acquire("w1", "a", 5, 10, 2, 3)
                .put("w1", "a", 5, 10, "maybe", Kind.FAIL, 0, 4, 5)
                .release("w1", "a", 5, 10, true, 6, 7)
                .get("test", "a", "maybe", 8, 9);

        CheckReport maybe = check(indeterminate);
        assertThat(maybe.violations()).isEmpty();
        assertThat(maybe.indeterminateWrites()).isEqualTo(1);
        assertThat(check(rejected).linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aLockPassesOnWhenItsHoldersSessionMayHaveExpiredAndNotBefore() {
        long ttl = TestHistory.TTL_MILLIS;
        // w1 holds token 10 and goes silent after a keep-alive sent at 500 ms: its lease may end from 500 + TTL
        TestHistory afterExpiry = new TestHistory()
                .grant("w1", 5, 0, 1).grant("w2", 6, 0, 1).keepAliveAck("w1", 5, 500, 510)
                .acquire("w1", "a", 5, 10, 2, 3)
                .acquire("w2", "a", 6, 20, 4, 500 + ttl + 100)
                .put("w2", "a", 6, 20, "two", Kind.OK, 1, 500 + ttl + 200, 500 + ttl + 300);
        TestHistory early = new TestHistory()
                .grant("w1", 5, 0, 1).grant("w2", 6, 0, 1).keepAliveAck("w1", 5, 500, 510)
                .acquire("w1", "a", 5, 10, 2, 3)
                .acquire("w2", "a", 6, 20, 4, 500 + ttl - 100);

        assertThat(check(afterExpiry).violations()).isEmpty();
        assertThat(check(early).linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aSessionSeenGoneBeforeItsTtlRanOutFailsTheLeaseCheck() {
        long ttl = TestHistory.TTL_MILLIS;
        TestHistory late = new TestHistory().grant("w1", 5, 0, 1).keepAliveAck("w1", 5, 500, 510)
                .sessionGone(5, 500 + ttl, 500 + ttl + 10);
        TestHistory early = new TestHistory().grant("w1", 5, 0, 1).keepAliveAck("w1", 5, 500, 510)
                .sessionGone(5, 500 + ttl - 300, 500 + ttl - 200);

        assertThat(check(late).leases()).isEmpty();
        assertThat(check(early).leases()).singleElement().asString().contains("session 5").contains("200 ms before");
    }

    @Test
    void aClientThatRevokesLostSessionsMayEndOneBeforeItsTtlRanOut() {
        long ttl = TestHistory.TTL_MILLIS;
        // w1 holds token 10 and gives its session up at 2,900 ms, before the TTL ran out; w2 gets the lock at once
        for (boolean clientMayRevoke : new boolean[] {true, false}) {
            TestHistory h = TestHistory.w1HoldsTokenTenOfA()
                    .sessionLost("w1", 5, ttl - 100, clientMayRevoke)
                    .acquire("w2", "a", 6, 20, 4, ttl - 50)
                    .revokeRefused("w1", 5, ttl - 40, ttl - 30);

            CheckReport report = check(h);

            if (clientMayRevoke) {
                assertThat(report.violations()).as("the client's own revoke ended it").isEmpty();
            } else {
                assertThat(report.leases()).singleElement().asString().contains("session 5");
                assertThat(report.linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
            }
        }
    }

    @Test
    void aThawedHoldersStaleWriteMustBeRejected() {
        long ttl = TestHistory.TTL_MILLIS;
        TestHistory rejected = TestHistory.w1HoldsTokenTenOfA() // then w1 is frozen
                .sessionGone(5, ttl + 100, ttl + 110)
                .acquire("w2", "a", 6, 20, 4, ttl + 50)
                .put("w2", "a", 6, 20, "two", Kind.OK, 1, ttl + 200, ttl + 210)
                .put("w1", "a", 5, 10, "stale", Kind.FAIL, 0, ttl + 5_000, ttl + 5_010);
        TestHistory accepted = TestHistory.w1HoldsTokenTenOfA()
                .sessionGone(5, ttl + 100, ttl + 110)
                .acquire("w2", "a", 6, 20, 4, ttl + 50)
                .put("w2", "a", 6, 20, "two", Kind.OK, 1, ttl + 200, ttl + 210)
                .put("w1", "a", 5, 10, "stale", Kind.OK, 2, ttl + 5_000, ttl + 5_010);

        CheckReport good = check(rejected);
        assertThat(good.violations()).isEmpty();
        assertThat(good.rejectedWrites()).isEqualTo(1);
        CheckReport bad = check(accepted);
        assertThat(bad.linearizability().verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(bad.mutualExclusion()).isNotEmpty();
        assertThat(bad.fencing()).singleElement().asString().contains("token 10 accepted at revision 2");
    }

    @Test
    void oneTokenGrantedToTwoSessionsFailsMutualExclusion() {
        TestHistory h = TestHistory.w1HoldsTokenTenOfA().acquire("w2", "a", 6, 10, 2, 3);

        assertThat(check(h).mutualExclusion()).anySatisfy(v -> assertThat(v).contains("granted to two sessions"));
    }

    @Test
    void aRevokeThatReleasedTheLockLetsTheNextHolderIn() {
        TestHistory h = TestHistory.w1HoldsTokenTenOfA()
                .revoke("w1", 5, "a", 4, 5)
                .acquire("w2", "a", 6, 12, 4, 6);

        assertThat(check(h).violations()).isEmpty();
    }
}
