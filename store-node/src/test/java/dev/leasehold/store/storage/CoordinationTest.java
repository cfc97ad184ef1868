package dev.leasehold.store.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.AcquireLock;
import dev.leasehold.api.command.v1.AcquireOutcome;
import dev.leasehold.api.command.v1.CancelAcquire;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.DrainSession;
import dev.leasehold.api.command.v1.ExpireSession;
import dev.leasehold.api.command.v1.GrantSession;
import dev.leasehold.api.command.v1.LockRecord;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.command.v1.ReleaseLock;
import dev.leasehold.api.command.v1.RevokeSession;
import dev.leasehold.api.command.v1.Waiter;
import dev.leasehold.api.v1.CancelAcquireResponse;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.ReleaseResponse;
import dev.leasehold.api.v1.RevokeResponse;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions, fair locks and fencing in the state machine, on a real RocksDB. */
class CoordinationTest {

    @TempDir
    Path dir;

    private RocksStateMachine sm;
    private final List<Coordination.Event> events = new ArrayList<>();
    private final AtomicLong invocations = new AtomicLong();

    @BeforeEach
    void open() {
        sm = RocksStateMachine.open(dir.resolve("sm"));
        sm.onCoordinationEvents(events::addAll);
        // a cluster grants sessions once it has an id
        sm.apply(List.of(new Entry(1, 1, EntryType.NORMAL, RocksStateMachineTest.clusterId("test").toByteArray())));
    }

    @AfterEach
    void close() {
        sm.close();
    }

    // ---------------------------------------------------------------- sessions

    @Test
    void aSessionIdIsTheIndexOfItsGrantAndTheTtlMustBeInBounds() {
        long before = sm.appliedIndex();
        GrantResponse granted = (GrantResponse) apply(grant(10_000, ""));
        assertThat(granted.getSessionId()).isEqualTo(before + 1);
        assertThat(granted.getTtlMillis()).isEqualTo(10_000);

        assertThat(refusal(apply(grant(999, "")))).satisfies(r -> {
            assertThat(r.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
            assertThat(r.getMessage()).startsWith("ttl_millis:");
        });
        assertThat(refusal(apply(grant(300_001, ""))).getMessage()).startsWith("ttl_millis:");
    }

    @Test
    void anOwnerGetsItsLiveSessionAgainAndNeverASecondOneAfterItEnded() {
        long first = session("claim-uid-1");
        assertThat(((GrantResponse) apply(grant(5_000, "claim-uid-1"))).getSessionId()).isEqualTo(first);

        apply(Command.newBuilder().setRevokeSession(RevokeSession.newBuilder().setSessionId(first)).build());

        Refusal refused = refusal(apply(grant(5_000, "claim-uid-1")));
        assertThat(refused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(refused.getMessage()).startsWith("SESSION_ENDED");
        assertThat(sm.coordination().sessions()).isEmpty();
    }

    @Test
    void drainingMarksTheSessionAndAnEndedSessionIsRefusedByName() {
        long s = session("");
        apply(Command.newBuilder().setDrainSession(DrainSession.newBuilder().setSessionId(s)).build());
        assertThat(sm.coordination().session(s)).hasValueSatisfying(r -> assertThat(r.getDraining()).isTrue());

        expire(s);
        Refusal refused = refusal(apply(acquireCommand("a", s, 1, false)));
        assertThat(refused.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(refused.getMessage()).startsWith("session_id:");
    }

    // ---------------------------------------------------------------- locks

    @Test
    void waitersGetTheLockInArrivalOrderWithStrictlyIncreasingTokens() {
        long a = session("");
        long b = session("");
        long c = session("");
        long tokenA = granted(acquire("L", a));
        AcquireOutcome queuedB = (AcquireOutcome) apply(acquireCommand("L", b, 7, false));
        AcquireOutcome queuedC = (AcquireOutcome) apply(acquireCommand("L", c, 8, false));
        assertThat(queuedB.getPosition()).isEqualTo(1);
        assertThat(queuedC.getPosition()).isEqualTo(2);
        assertThat(sm.coordination().lock("L")).hasValueSatisfying(l -> assertThat(l.getWaitersList())
                .extracting(Waiter::getSessionId).containsExactly(b, c));

        events.clear();
        long releaseIndex = sm.appliedIndex() + 1;
        assertThat(release("L", a, tokenA).getReleased()).isTrue();
        assertThat(events).containsExactly(new Coordination.Event.Granted("L", b, 7, releaseIndex));
        assertThat(holder("L")).isEqualTo(b);
        assertThat(token("L")).isEqualTo(releaseIndex).isGreaterThan(tokenA);

        release("L", b, releaseIndex);
        assertThat(holder("L")).isEqualTo(c);
        assertThat(token("L")).isGreaterThan(releaseIndex);
    }

    @Test
    void aWaiterWhoseSessionEndedInTheQueueNeverGetsTheLock() {
        long holder = session("");
        long expired = session("");
        long next = session("");
        long token = granted(acquire("L", holder));
        acquire("L", expired);
        acquire("L", next);

        expire(expired);
        assertThat(events).contains(new Coordination.Event.Ended(expired));
        release("L", holder, token);

        assertThat(holder("L")).isEqualTo(next);
        assertThat(events).noneMatch(e -> e instanceof Coordination.Event.Granted g && g.session() == expired);
    }

    @Test
    void aWaiterThatLeavesWithoutTheLockReportsThatTheQueueBehindItMoved() {
        long holder = session("");
        long cancelling = session("");
        long expiring = session("");
        long last = session("");
        granted(acquire("L", holder));
        apply(acquireCommand("L", cancelling, 7, false));
        acquire("L", expiring);
        acquire("L", last);

        events.clear();
        apply(cancel("L", cancelling, 7));
        assertThat(events).containsExactly(new Coordination.Event.Moved("L"));

        events.clear();
        expire(expiring);
        assertThat(events).containsExactly(new Coordination.Event.Moved("L"), new Coordination.Event.Ended(expiring));
        assertThat(sm.coordination().lock("L")).hasValueSatisfying(l -> assertThat(l.getWaitersList())
                .extracting(Waiter::getSessionId).containsExactly(last));
    }

    @Test
    void theEndOfASessionReleasesWhatItHeldAtTheEndingEntryAndDropsWhatItQueued() {
        long s = session("");
        long other = session("");
        granted(acquire("held", s));
        granted(acquire("busy", other));
        acquire("busy", s);
        long waiter = session("");
        acquire("held", waiter);

        long expiry = sm.appliedIndex() + 1;
        expire(s);

        assertThat(holder("held")).isEqualTo(waiter);
        assertThat(token("held")).isEqualTo(expiry);
        assertThat(sm.coordination().lock("busy")).hasValueSatisfying(l -> assertThat(l.getWaitersList()).isEmpty());
        assertThat(sm.coordination().heldBy(s)).isEmpty();
    }

    @Test
    void revokeAnswersWithTheLocksItReleased() {
        long s = session("");
        granted(acquire("x", s));
        granted(acquire("y", s));

        RevokeResponse revoked = (RevokeResponse) apply(Command.newBuilder()
                .setRevokeSession(RevokeSession.newBuilder().setSessionId(s)).build());

        assertThat(revoked.getReleasedLocksList()).containsExactlyInAnyOrder("x", "y");
        assertThat(sm.coordination().lock("x")).isEmpty();
    }

    @Test
    void aTryDoesNotQueueAndNamesTheHolder() {
        long holder = session("");
        long trier = session("");
        long token = granted(acquire("L", holder));

        AcquireOutcome tried = (AcquireOutcome) apply(acquireCommand("L", trier, 1, true));

        assertThat(tried.getToken()).isZero();
        assertThat(tried.getHolderSession()).isEqualTo(holder);
        assertThat(tried.getHolderToken()).isEqualTo(token);
        assertThat(sm.coordination().lock("L")).hasValueSatisfying(l -> assertThat(l.getWaitersCount()).isZero());
    }

    @Test
    void retriesAreAppliedOnceAndAnsweredWithTheFirstAnswer() {
        long a = session("");
        long b = session("");
        Command acquireA = acquireCommand("L", a, 41, false);
        long token = ((AcquireOutcome) apply(acquireA)).getToken();
        assertThat(((AcquireOutcome) apply(acquireA)).getToken()).isEqualTo(token);

        Command acquireB = acquireCommand("L", b, 42, false);
        assertThat(((AcquireOutcome) apply(acquireB)).getPosition()).isEqualTo(1);
        assertThat(((AcquireOutcome) apply(acquireB)).getPosition()).isEqualTo(1); // re-attaches, not queued twice

        Command releaseA = Command.newBuilder().setRelease(ReleaseLock.newBuilder().setName("L").setSessionId(a)
                .setToken(token).setInvocationId(43)).build();
        assertThat(((ReleaseResponse) apply(releaseA)).getReleased()).isTrue();
        long tokenB = token("L");
        assertThat(((AcquireOutcome) apply(acquireB)).getToken()).isEqualTo(tokenB);

        granted(acquire("other", a)); // a's session moved on; the retried release must not touch b's grant
        assertThat(((ReleaseResponse) apply(releaseA)).getReleased()).isTrue();
        assertThat(holder("L")).isEqualTo(b);
        assertThat(token("L")).isEqualTo(tokenB);

        Refusal reused = refusal(apply(acquireCommand("M", a, 41, false)));
        assertThat(reused.getMessage()).startsWith("invocation_id:");
    }

    @Test
    void cancelLeavesTheQueueOrReportsTheGrant() {
        long holder = session("");
        long waiter = session("");
        long token = granted(acquire("L", holder));
        apply(acquireCommand("L", waiter, 5, false));

        CancelAcquireResponse cancelled = (CancelAcquireResponse) apply(cancel("L", waiter, 5));
        assertThat(cancelled.getCancelled()).isTrue();
        release("L", holder, token);
        assertThat(sm.coordination().lock("L")).isEmpty();

        long late = session("");
        long lateToken = ((AcquireOutcome) apply(acquireCommand("L", late, 6, false))).getToken();
        CancelAcquireResponse tooLate = (CancelAcquireResponse) apply(cancel("L", late, 6));
        assertThat(tooLate.getCancelled()).isFalse();
        assertThat(tooLate.getGrantedToken()).isEqualTo(lateToken);
    }

    @Test
    void aCancelThatArrivesBeforeItsAcquireMakesTheAcquireRefusedWhenItComes() {
        long holder = session("");
        long waiter = session("");
        long token = granted(acquire("L", holder));

        CancelAcquireResponse early = (CancelAcquireResponse) apply(cancel("L", waiter, 7));
        assertThat(early.getCancelled()).isTrue();
        AcquireOutcome late = (AcquireOutcome) apply(acquireCommand("L", waiter, 7, false));

        assertThat(late.getToken()).isZero();
        assertThat(late.getPosition()).isZero();
        assertThat(sm.coordination().lock("L")).hasValueSatisfying(l -> assertThat(l.getWaitersList()).isEmpty());
        release("L", holder, token);
        assertThat(sm.coordination().lock("L")).isEmpty();
    }

    // ---------------------------------------------------------------- fencing

    @Test
    void aFencedWriteIsAppliedOnlyWithTheHoldersCurrentToken() {
        long first = session("");
        long second = session("");
        long oldToken = granted(acquire("L", first));
        acquire("L", second);
        assertThat(apply(fencedPut("k", "from-first", "L", oldToken))).isInstanceOf(PutResponse.class);

        release("L", first, oldToken);
        long newToken = token("L");
        long revision = sm.revision();

        Refusal stale = refusal(apply(fencedPut("k", "late-write", "L", oldToken)));
        assertThat(stale.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(stale.getMessage()).startsWith("fence:").contains(Long.toString(newToken));
        assertThat(sm.revision()).isEqualTo(revision);
        assertThat(sm.get(ByteString.copyFromUtf8("k")).orElseThrow().getValue().toStringUtf8())
                .isEqualTo("from-first");
        assertThat(sm.coordination().validates("L", newToken)).isTrue();
        assertThat(sm.coordination().validates("L", oldToken)).isFalse();
    }

    // ---------------------------------------------------------------- durability

    @Test
    void sessionsHoldersAndQueuesSurviveAReopenAndARestore() {
        long a = session("owner-a");
        long b = session("");
        long token = granted(acquire("L", a));
        apply(acquireCommand("L", b, 9, false));

        sm.close();
        sm = RocksStateMachine.open(dir.resolve("sm"));
        assertThat(sm.coordination().session(a)).hasValueSatisfying(s -> assertThat(s.getOwner()).isEqualTo("owner-a"));
        assertThat(holder("L")).isEqualTo(a);
        assertThat(((GrantResponse) apply(grant(5_000, "owner-a"))).getSessionId()).isEqualTo(a);

        sm.checkpoint(dir.resolve("cp"));
        try (RocksStateMachine other = RocksStateMachine.open(dir.resolve("other"))) {
            List<Coordination.Event> seen = new ArrayList<>();
            other.onCoordinationEvents(seen::addAll);
            other.restore(dir.resolve("cp"));
            assertThat(seen).containsExactly(new Coordination.Event.Reset());
            assertThat(other.coordination().lock("L")).hasValueSatisfying(l -> {
                assertThat(l.getHolderSession()).isEqualTo(a);
                assertThat(l.getToken()).isEqualTo(token);
                assertThat(l.getWaitersList()).extracting(Waiter::getInvocationId).containsExactly(9L);
            });
        }
    }

    // ---------------------------------------------------------------- helpers

    private Message apply(Command command) {
        long index = sm.appliedIndex() + 1;
        List<ApplyResult> results = sm.apply(List.of(new Entry(1, index, EntryType.NORMAL, command.toByteArray())));
        assertThat(results).hasSize(1);
        return results.get(0).response().orElseThrow();
    }

    private static Refusal refusal(Message m) {
        assertThat(m).isInstanceOf(Refusal.class);
        return (Refusal) m;
    }

    private static Command grant(long ttl, String owner) {
        return Command.newBuilder().setGrantSession(GrantSession.newBuilder().setTtlMillis(ttl).setOwner(owner))
                .build();
    }

    private long session(String owner) {
        return ((GrantResponse) apply(grant(10_000, owner))).getSessionId();
    }

    /** An expiry answers nothing: the leader that proposed it does not wait for an answer. */
    private void expire(long session) {
        Command command = Command.newBuilder().setExpireSession(ExpireSession.newBuilder().setSessionId(session))
                .build();
        long index = sm.appliedIndex() + 1;
        List<ApplyResult> results = sm.apply(List.of(new Entry(1, index, EntryType.NORMAL, command.toByteArray())));
        assertThat(results).singleElement().satisfies(r -> assertThat(r.response()).isEmpty());
    }

    private static Command acquireCommand(String lock, long session, long invocation, boolean tryOnly) {
        return Command.newBuilder().setAcquire(AcquireLock.newBuilder().setName(lock).setSessionId(session)
                .setInvocationId(invocation).setTryOnly(tryOnly)).build();
    }

    private AcquireOutcome acquire(String lock, long session) {
        return (AcquireOutcome) apply(acquireCommand(lock, session, 1_000 + invocations.incrementAndGet(), false));
    }

    private static long granted(AcquireOutcome outcome) {
        assertThat(outcome.getToken()).isPositive();
        return outcome.getToken();
    }

    private static Command cancel(String lock, long session, long invocation) {
        return Command.newBuilder().setCancelAcquire(CancelAcquire.newBuilder().setName(lock).setSessionId(session)
                .setInvocationId(invocation)).build();
    }

    private ReleaseResponse release(String lock, long session, long token) {
        return (ReleaseResponse) apply(Command.newBuilder().setRelease(ReleaseLock.newBuilder().setName(lock)
                .setSessionId(session).setToken(token)).build());
    }

    private static Command fencedPut(String key, String value, String lock, long token) {
        return Command.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .setFence(Fence.newBuilder().setLock(lock).setToken(token))).build();
    }

    private long holder(String lock) {
        return sm.coordination().lock(lock).map(LockRecord::getHolderSession).orElse(0L);
    }

    private long token(String lock) {
        return sm.coordination().lock(lock).map(LockRecord::getToken).orElse(0L);
    }
}
