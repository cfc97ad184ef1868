package dev.leasehold.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The holder's rules, on a simulated clock (nanoseconds; one second is 1e9). */
class ClaimTrackerTest {

    private static final long S = 1_000_000_000L;
    private static final Duration TTL = Duration.ofSeconds(10);

    private static ClaimTracker tracker() {
        return new ClaimTracker(TTL, ClaimTracker.defaultDrift(TTL));
    }

    private static ClaimTracker.Observed held(Long renewAck) {
        return new ClaimTracker.Observed("Held", "c-1", 42L, 1001L, renewAck, "held");
    }

    @Test
    void heldIsTrustedOnlyAfterAnAcknowledgementOfARenewalThisHolderSent() {
        ClaimTracker t = tracker();
        t.observe(held(null), 0);
        assertThat(t.held(0)).as("Held, but nothing of ours acknowledged").isFalse();

        t.observe(held(7L), S);
        assertThat(t.held(S)).as("7 is not a value this holder wrote").isFalse();

        t.sending(1, 2 * S);
        t.observe(held(1L), 3 * S);
        assertThat(t.held(3 * S)).isTrue();
        assertThat(t.token()).contains(1001L);
    }

    @Test
    void theDeadlineCountsFromTheSendTimeOfTheAcknowledgedRenewalLessTheDriftMargin() {
        ClaimTracker t = tracker();
        t.sending(1, 5 * S);
        t.observe(held(1L), 8 * S);
        // 5 s + 10 s TTL - (100 ms + 1 % of 10 s) = 14.8 s
        assertThat(t.deadline()).isEqualTo(5 * S + 10 * S - 200_000_000L);
        assertThat(t.held(14 * S)).isTrue();
        assertThat(t.held(14 * S + 800_000_000L)).isFalse();
        assertThat(t.lost(15 * S)).hasValueSatisfying(why -> assertThat(why).contains("deadline passed"));
    }

    @Test
    void aPassedDeadlineIsFinalEvenWhenALateAcknowledgementArrives() {
        ClaimTracker t = tracker();
        t.sending(1, 0);
        t.observe(held(1L), S);
        t.sending(2, 9 * S);
        assertThat(t.held(15 * S)).isFalse();
        t.observe(held(2L), 16 * S);
        assertThat(t.held(16 * S)).as("never believed in again").isFalse();
        assertThat(t.lost(16 * S)).isPresent();
    }

    @Test
    void aStatusWithAnotherClusterSessionOrTokenLosesTheClaim() {
        for (ClaimTracker.Observed changed : new ClaimTracker.Observed[] {
                new ClaimTracker.Observed("Held", "c-2", 42L, 1001L, 1L, null),
                new ClaimTracker.Observed("Held", "c-1", 43L, 1001L, 1L, null),
                new ClaimTracker.Observed("Held", "c-1", 42L, 2002L, 1L, null)}) {
            ClaimTracker t = tracker();
            t.sending(1, 0);
            t.observe(held(1L), S);
            assertThat(t.held(S)).isTrue();

            t.observe(changed, 2 * S);

            assertThat(t.held(2 * S)).isFalse();
            assertThat(t.lost(2 * S)).hasValueSatisfying(why -> assertThat(why).contains("changed from"));
            t.observe(held(1L), 3 * S);
            assertThat(t.held(3 * S)).as("a loss is final").isFalse();
        }
    }

    @Test
    void aFinalPhaseLosesTheClaimWithTheOperatorsReason() {
        ClaimTracker t = tracker();
        t.sending(1, 0);
        t.observe(held(1L), S);
        t.observe(new ClaimTracker.Observed("Expired", "c-1", 42L, 1001L, 1L, "the store ended session 42"), 2 * S);

        assertThat(t.lost(2 * S)).contains("the claim is Expired: the store ended session 42");
    }

    @Test
    void aWaitingClaimHasNoTokenAndIsNotHeld() {
        ClaimTracker t = tracker();
        t.sending(1, 0);
        t.observe(new ClaimTracker.Observed("Waiting", "c-1", 42L, null, 1L, "place 1"), S);

        assertThat(t.held(S)).isFalse();
        assertThat(t.token()).isEmpty();
        assertThat(t.lost(S)).isEmpty();
    }
}
