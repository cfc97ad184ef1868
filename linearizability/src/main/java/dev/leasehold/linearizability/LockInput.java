package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * An operation on one of Leasehold's locks, or on the register that the lock's fencing tokens guard.
 *
 * <p>Sessions are named by any string; a fencing token is a positive number (in Leasehold, the Raft index of
 * the entry that granted the lock). See {@link LockModel} for the rules.
 */
public sealed interface LockInput
        permits LockInput.Acquire, LockInput.Release, LockInput.Expire, LockInput.FencedWrite, LockInput.Read {

    /** The name of the lock the operation concerns. */
    String lock();

    /**
     * {@code session} asks for the lock; returns {@link LockOutput.Granted} with a fencing token, or
     * {@link LockOutput.Refused} (a try-acquire of a lock that is held, or a blocking acquire given up while it
     * was). A blocking acquire that waited and was granted is an acquire that returned {@code Granted}: it took
     * effect when the lock was granted, somewhere between its call and its return.
     *
     * @param lock    the lock
     * @param session the session that asks
     */
    record Acquire(String lock, String session) implements LockInput {
        /** Checks that both names are present. */
        public Acquire {
            Objects.requireNonNull(lock, "lock");
            Objects.requireNonNull(session, "session");
        }

        @Override
        public String toString() {
            return "acquire(" + lock + ", " + session + ")";
        }
    }

    /**
     * {@code session} releases the lock it holds with {@code token}; returns {@link LockOutput.Released}, or
     * {@link LockOutput.NotHeld} if the session does not hold the lock with that token.
     *
     * @param lock    the lock
     * @param session the session that releases it
     * @param token   the fencing token of its grant
     */
    record Release(String lock, String session, long token) implements LockInput {
        /** Checks that both names are present. */
        public Release {
            Objects.requireNonNull(lock, "lock");
            Objects.requireNonNull(session, "session");
        }

        @Override
        public String toString() {
            return "release(" + lock + ", " + session + ", token " + token + ")";
        }
    }

    /**
     * The store ended {@code session} (its TTL ran out) and so released the lock if the session held it;
     * returns {@link LockOutput.Released} if it did, {@link LockOutput.NotHeld} if the session did not hold the
     * lock. Expiry is timed by the store's clock, which this model leaves out: a lock lost to expiry appears in
     * a history as this operation, recorded by whatever observed it.
     *
     * @param lock    the lock
     * @param session the session that ended
     */
    record Expire(String lock, String session) implements LockInput {
        /** Checks that both names are present. */
        public Expire {
            Objects.requireNonNull(lock, "lock");
            Objects.requireNonNull(session, "session");
        }

        @Override
        public String toString() {
            return "expire(" + lock + ", " + session + ")";
        }
    }

    /**
     * Writes {@code value} to the lock's fenced register, guarded by {@code token}; returns
     * {@link LockOutput.Accepted} if the lock is held with exactly that token, {@link LockOutput.Rejected}
     * (stale) otherwise.
     *
     * @param lock  the lock whose register is written
     * @param token the fencing token presented
     * @param value the value written
     */
    record FencedWrite(String lock, long token, String value) implements LockInput {
        /** Checks that the name and the value are present. */
        public FencedWrite {
            Objects.requireNonNull(lock, "lock");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "fencedWrite(" + lock + ", token " + token + ", \"" + value + "\")";
        }
    }

    /**
     * Reads the lock's fenced register; returns {@link LockOutput.Value} ({@code ""} if never written).
     *
     * @param lock the lock whose register is read
     */
    record Read(String lock) implements LockInput {
        /** Checks that the name is present. */
        public Read {
            Objects.requireNonNull(lock, "lock");
        }

        @Override
        public String toString() {
            return "read(" + lock + ")";
        }
    }
}
