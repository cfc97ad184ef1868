package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * What a {@link RegisterInput} returns: {@link Value} for a read, {@link Ok} for a write or a compare-and-set
 * that swapped, {@link CompareFailed} for a compare-and-set that found another value.
 *
 * @param <V> the type of the register's values
 */
public sealed interface RegisterOutput<V>
        permits RegisterOutput.Value, RegisterOutput.Ok, RegisterOutput.CompareFailed {

    /**
     * A read saw {@code value}.
     *
     * @param value the value read
     * @param <V>   the type of the register's values
     */
    record Value<V>(V value) implements RegisterOutput<V> {
        /** Checks that the value is present. */
        public Value {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return String.valueOf(value);
        }
    }

    /**
     * A write, or a compare-and-set that found the expected value and swapped.
     *
     * @param <V> the type of the register's values
     */
    record Ok<V>() implements RegisterOutput<V> {
        @Override
        public String toString() {
            return "ok";
        }
    }

    /**
     * A compare-and-set that was evaluated and found a value other than the expected one, and so wrote nothing.
     *
     * @param <V> the type of the register's values
     */
    record CompareFailed<V>() implements RegisterOutput<V> {
        @Override
        public String toString() {
            return "compare failed";
        }
    }
}
