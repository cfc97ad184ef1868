package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * What a {@link LockInput} returns. {@link LockInput.Acquire}: {@link Granted} or {@link Refused};
 * {@link LockInput.Release} and {@link LockInput.Expire}: {@link Released} or {@link NotHeld};
 * {@link LockInput.FencedWrite}: {@link Accepted} or {@link Rejected}; {@link LockInput.Read}: {@link Value}.
 */
public sealed interface LockOutput permits LockOutput.Granted, LockOutput.Refused, LockOutput.Released,
        LockOutput.NotHeld, LockOutput.Accepted, LockOutput.Rejected, LockOutput.Value {

    /**
     * The lock was granted with this fencing token.
     *
     * @param token the fencing token, positive
     */
    record Granted(long token) implements LockOutput {
        /** Checks that the token is positive. */
        public Granted {
            if (token <= 0) {
                throw new IllegalArgumentException("a fencing token is positive: " + token);
            }
        }

        @Override
        public String toString() {
            return "granted(token " + token + ")";
        }
    }

    /** The lock was held by someone, so it was not granted. */
    record Refused() implements LockOutput {
        @Override
        public String toString() {
            return "refused";
        }
    }

    /** The lock was freed. */
    record Released() implements LockOutput {
        @Override
        public String toString() {
            return "released";
        }
    }

    /** The session did not hold the lock (with that token), so nothing changed. */
    record NotHeld() implements LockOutput {
        @Override
        public String toString() {
            return "not held";
        }
    }

    /** The fenced write was accepted and took effect. */
    record Accepted() implements LockOutput {
        @Override
        public String toString() {
            return "accepted";
        }
    }

    /** The fenced write was rejected as stale: the lock was not held with its token. */
    record Rejected() implements LockOutput {
        @Override
        public String toString() {
            return "rejected (stale)";
        }
    }

    /**
     * A read of the fenced register saw {@code value}.
     *
     * @param value the value read
     */
    record Value(String value) implements LockOutput {
        /** Checks that the value is present. */
        public Value {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "\"" + value + "\"";
        }
    }
}
