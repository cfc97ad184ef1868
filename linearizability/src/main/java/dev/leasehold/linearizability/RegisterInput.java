package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * An operation on a single register: {@link Read}, {@link Write} or {@link CompareAndSet}.
 *
 * @param <V> the type of the register's values
 */
public sealed interface RegisterInput<V>
        permits RegisterInput.Read, RegisterInput.Write, RegisterInput.CompareAndSet {

    /**
     * Reads the register; returns {@link RegisterOutput.Value}.
     *
     * @param <V> the type of the register's values
     */
    record Read<V>() implements RegisterInput<V> {
        @Override
        public String toString() {
            return "read";
        }
    }

    /**
     * Writes {@code value}; returns {@link RegisterOutput.Ok}.
     *
     * @param value the value written
     * @param <V>   the type of the register's values
     */
    record Write<V>(V value) implements RegisterInput<V> {
        /** Checks that the value is present. */
        public Write {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "write(" + value + ")";
        }
    }

    /**
     * Writes {@code replacement} if the register holds {@code expected}; returns {@link RegisterOutput.Ok} if it
     * did, {@link RegisterOutput.CompareFailed} if the register held something else.
     *
     * @param expected    the value the register must hold
     * @param replacement the value written if it does
     * @param <V>         the type of the register's values
     */
    record CompareAndSet<V>(V expected, V replacement) implements RegisterInput<V> {
        /** Checks that both values are present. */
        public CompareAndSet {
            Objects.requireNonNull(expected, "expected");
            Objects.requireNonNull(replacement, "replacement");
        }

        @Override
        public String toString() {
            return "cas(" + expected + " -> " + replacement + ")";
        }
    }
}
