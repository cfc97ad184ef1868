package dev.leasehold.linearizability;

import static dev.leasehold.linearizability.Histories.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LockModelTest {

    private static final LockModel LOCKS = new LockModel();

    private static Operation<LockInput, LockOutput> op(int client, long call, long ret, LockInput input,
                                                       LockOutput output) {
        return Operation.completed(client, input, output, call, ret);
    }

    private static Operation<LockInput, LockOutput> granted(String session, long call, long ret, long token) {
        return op(client(session), call, ret, new LockInput.Acquire("L", session), new LockOutput.Granted(token));
    }

    private static Operation<LockInput, LockOutput> refused(String session, long call, long ret) {
        return op(client(session), call, ret, new LockInput.Acquire("L", session), new LockOutput.Refused());
    }

    private static Operation<LockInput, LockOutput> released(String session, long call, long ret, long token) {
        return op(client(session), call, ret, new LockInput.Release("L", session, token), new LockOutput.Released());
    }

    private static Operation<LockInput, LockOutput> notHeld(String session, long call, long ret, long token) {
        return op(client(session), call, ret, new LockInput.Release("L", session, token), new LockOutput.NotHeld());
    }

    private static Operation<LockInput, LockOutput> expired(String session, long call, long ret) {
        return op(99, call, ret, new LockInput.Expire("L", session), new LockOutput.Released());
    }

    private static Operation<LockInput, LockOutput> accepted(String session, long call, long ret, long token,
                                                             String value) {
        return op(client(session), call, ret, new LockInput.FencedWrite("L", token, value), new LockOutput.Accepted());
    }

    private static Operation<LockInput, LockOutput> rejected(String session, long call, long ret, long token,
                                                             String value) {
        return op(client(session), call, ret, new LockInput.FencedWrite("L", token, value), new LockOutput.Rejected());
    }

    private static Operation<LockInput, LockOutput> read(long call, long ret, String value) {
        return op(50, call, ret, new LockInput.Read("L"), new LockOutput.Value(value));
    }

    private static int client(String session) {
        return Integer.parseInt(session.substring(1));
    }

    private static Verdict verdictOf(List<Operation<LockInput, LockOutput>> history) {
        return check(LOCKS, history).verdict();
    }

    @Test
    void aLockPassesFromHolderToHolderWithGrowingTokensAndGuardsItsRegister() {
        assertThat(verdictOf(List.of(
                granted("s1", 1, 2, 5),
                accepted("s1", 3, 4, 5, "a"),
                read(5, 6, "a"),
                released("s1", 7, 8, 5),
                granted("s2", 9, 10, 9),
                accepted("s2", 11, 12, 9, "b"),
                read(13, 14, "b")))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void twoHoldersAtOnceAreNotLinearizable() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), granted("s2", 3, 4, 6))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anAcquireOfAHeldLockGrantedBeforeTheReleaseIsNotLinearizable() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), granted("s2", 3, 4, 7), released("s1", 5, 6, 5))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aBlockingAcquireThatOverlapsTheReleaseMayBeGrantedAfterIt() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), granted("s2", 3, 8, 7), released("s1", 5, 6, 5))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void concurrentAcquiresGrantOneAndRefuseTheOther() {
        assertThat(verdictOf(List.of(granted("s1", 1, 10, 5), refused("s2", 2, 9))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 10, 5), granted("s2", 2, 9, 6))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aTryAcquireIsRefusedOnlyWhileTheLockIsHeld() {
        assertThat(verdictOf(List.of(refused("s2", 1, 2)))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), refused("s2", 3, 4)))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), refused("s1", 3, 4))))
                .as("a lock is not re-entrant").isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), refused("s2", 5, 6))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aTokenThatDoesNotGrowIsNotLinearizable() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), granted("s2", 5, 6, 5))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), granted("s2", 5, 6, 4))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), granted("s2", 5, 6, 6))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aGrantThatOverlapsAnotherHoldingMustComeAfterItWithALargerToken() {
        // s2's grant overlaps s1's whole holding. Before it, s2 would still hold the lock when s1 got it;
        // after it, its token must exceed 5.
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), granted("s2", 1, 10, 3))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), granted("s2", 1, 10, 6))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aFencedWriteWithAStaleTokenAcceptedIsNotLinearizable() {
        assertThat(verdictOf(List.of(
                granted("s1", 1, 2, 5),
                expired("s1", 3, 4),
                granted("s2", 5, 6, 7),
                accepted("s1", 7, 8, 5, "late")))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(
                granted("s1", 1, 2, 5),
                expired("s1", 3, 4),
                granted("s2", 5, 6, 7),
                rejected("s1", 7, 8, 5, "late")))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aFencedWriteWithTheTokenOfAReleasedLockIsRejected() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 5), accepted("s1", 5, 6, 5, "x"))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aFencedWriteThatOverlapsTheExpiryMayLandBeforeIt() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), accepted("s1", 3, 10, 5, "x"), expired("s1", 4, 5),
                read(11, 12, "x")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), accepted("s1", 6, 10, 5, "x"), expired("s1", 4, 5))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aRejectedFencedWriteIsNeverRead() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), rejected("s2", 3, 4, 4, "x"), read(5, 6, "x"))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), rejected("s2", 3, 4, 4, "x"), read(5, 6, ""))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void onlyTheHolderWithItsTokenCanRelease() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), notHeld("s2", 3, 4, 5), notHeld("s1", 5, 6, 4),
                refused("s3", 7, 8)))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s2", 3, 4, 5))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), released("s1", 3, 4, 6))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), notHeld("s1", 3, 4, 5))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void expiryReleasesOnlyALockTheSessionHeld() {
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), expired("s1", 3, 4), granted("s2", 5, 6, 6))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), expired("s2", 3, 4))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5),
                op(99, 3, 4, new LockInput.Expire("L", "s2"), new LockOutput.NotHeld()), refused("s3", 5, 6))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anAcquireWithUnknownOutcomeMayHoldTheLock() {
        var unknownAcquire = Operation.<LockInput, LockOutput>unknown(1, new LockInput.Acquire("L", "s1"), 1);
        // s2 was refused, so s1's acquire took effect; the lock stays held until s1 expires.
        assertThat(verdictOf(List.of(unknownAcquire, refused("s2", 5, 6)))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(unknownAcquire, refused("s2", 5, 6), granted("s3", 9, 10, 4))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(unknownAcquire, refused("s2", 5, 6), expired("s1", 7, 8),
                granted("s3", 9, 10, 4)))).isEqualTo(Verdict.LINEARIZABLE);
        // ... or never take effect at all.
        assertThat(verdictOf(List.of(unknownAcquire, granted("s2", 5, 6, 1)))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aGrantAfterAGrantWithUnknownTokenStillNeedsALargerToken() {
        var unknownAcquire = Operation.<LockInput, LockOutput>unknown(1, new LockInput.Acquire("L", "s1"), 1);
        // The unknown grant came after token 3, so it is at least 4, and the grant after it at least 5.
        var before = List.of(granted("s2", 0, 1, 3), released("s2", 1, 2, 3), unknownAcquire,
                refused("s3", 5, 6), expired("s1", 7, 8));
        assertThat(verdictOf(concat(before, granted("s4", 9, 10, 4)))).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(concat(before, granted("s4", 9, 10, 5)))).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aFencedWriteWithUnknownOutcomeMayLandOrNot() {
        var unknownWrite = Operation.<LockInput, LockOutput>unknown(1, new LockInput.FencedWrite("L", 5, "x"), 3);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), unknownWrite, read(4, 5, ""), read(6, 7, "x"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), unknownWrite, read(6, 7, ""))))
                .isEqualTo(Verdict.LINEARIZABLE);
        // A stale token cannot land, whenever it is tried.
        var staleWrite = Operation.<LockInput, LockOutput>unknown(1, new LockInput.FencedWrite("L", 4, "x"), 3);
        assertThat(verdictOf(List.of(granted("s1", 1, 2, 5), staleWrite, read(6, 7, "x"))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void locksAreIndependentAndCheckedApart() {
        var otherLock = op(2, 1, 2, new LockInput.Acquire("M", "s2"), new LockOutput.Granted(6));
        var history = List.of(granted("s1", 1, 2, 5), otherLock);
        var result = check(LOCKS, history);

        assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(((CheckResult.Linearizable<LockInput, LockOutput>) result).linearizations()).hasSize(2);
        assertThat(LOCKS.partition(history)).containsExactly(List.of(history.get(0)), List.of(otherLock));
    }

    @Test
    void theStateShowsHolderTokensAndRegister() {
        var state = LOCKS.step(Map.of(), new LockInput.Acquire("L", "s1"), Outcome.known(new LockOutput.Granted(5)))
                .flatMap(s -> LOCKS.step(s, new LockInput.FencedWrite("L", 5, "a"), Outcome.known(new LockOutput.Accepted())))
                .orElseThrow();
        assertThat(state.get("L").toString())
                .isEqualTo("held by s1 with token 5, highest token 5, register \"a\" written with token 5");
    }

    @Test
    void anOutputOfTheWrongKindIsAMalformedHistory() {
        assertThatThrownBy(() -> LOCKS.step(Map.of(), new LockInput.Read("L"), Outcome.known(new LockOutput.Accepted())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LockOutput.Granted(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Operation<LockInput, LockOutput>> concat(List<Operation<LockInput, LockOutput>> a,
                                                                 Operation<LockInput, LockOutput> b) {
        var all = new java.util.ArrayList<>(a);
        all.add(b);
        return all;
    }
}
