package dev.leasehold.systemtest.client;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * The calls a fault-injection worker makes: sessions, locks and writes fenced with a lock's token. One
 * implementation speaks raw gRPC ({@link GrpcLockClient}); one over the project's Java client would be a single
 * class beside it. Every call answers with a {@link Reply} that says whether it certainly happened, certainly
 * did not, or may have.
 *
 * <p>A granted session is kept alive by the client until it is revoked or lost. Lost is final: once the client's
 * deadline (counted from the send time of the last acknowledged keep-alive) has passed, or the store said the
 * session ended, {@link #lost} stays true.
 */
public interface LockClient extends AutoCloseable {

    /** Hears about keep-alives, for the history. */
    interface SessionEvents {
        /** Hears nothing. */
        SessionEvents NONE = new SessionEvents() {
            @Override
            public void acknowledged(long session, long sentNanos) {
            }

            @Override
            public void lost(long session, String why, boolean mayRevoke) {
            }
        };

        /** The store acknowledged a keep-alive for {@code session} that was sent at {@code sentNanos}. */
        void acknowledged(long session, long sentNanos);

        /**
         * The client gave up {@code session} for good. Heard before the client sends anything because of it:
         * {@code mayRevoke} says that the client may now revoke the session by itself (the project's Java client
         * does, so that its locks pass on at once), a revoke the history cannot record as an operation.
         */
        void lost(long session, String why, boolean mayRevoke);
    }

    /** A new session with time-to-live {@code ttl}; the answer is its id. */
    Reply<Long> grant(Duration ttl);

    /** Whether {@code session} is lost for good (or was never granted by this client). */
    boolean lost(long session);

    /**
     * Waits at most {@code wait} for {@code lock}; the answer is the fencing token. A request still queued when the
     * wait runs out is cancelled: {@link Reply.Refused} when that certainly left the lock alone.
     */
    Reply<Long> acquire(long session, String lock, long invocation, Duration wait);

    /** Takes {@code lock} if it is free: the token, or empty when someone holds it. */
    Reply<OptionalLong> tryAcquire(long session, String lock, long invocation);

    /** Releases {@code lock} held with {@code token}; whether it was held so. */
    Reply<Boolean> release(long session, String lock, long token, long invocation);

    /**
     * Writes {@code value} to {@code key} only while {@code lock} is held with {@code token}; the answer is the
     * write's revision, {@link Reply.Refused} (FAILED_PRECONDITION) when the token is stale.
     */
    Reply<Long> fencedPut(String key, String value, String lock, long token);

    /** A linearizable read of {@code key}. */
    Reply<Read> get(String key);

    /** Ends {@code session} and stops its keep-alives; the answer is the locks it held. */
    Reply<List<String>> revoke(long session);

    @Override
    void close();

    /**
     * What a read found.
     *
     * @param value       the value, {@code ""} when the key is missing
     * @param modRevision the revision of the key's last write, 0 when missing
     */
    record Read(String value, long modRevision) {
    }
}
