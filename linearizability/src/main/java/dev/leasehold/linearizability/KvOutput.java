package dev.leasehold.linearizability;

import java.util.Objects;

/** What a {@link KvInput} returns: {@link Value} for a get, {@link Ok} for a put or an append. */
public sealed interface KvOutput permits KvOutput.Value, KvOutput.Ok {

    /**
     * A get saw {@code value} ({@code ""} for a key never written).
     *
     * @param value the value read
     */
    record Value(String value) implements KvOutput {
        /** Checks that the value is present. */
        public Value {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "\"" + value + "\"";
        }
    }

    /** A put or an append took effect. */
    record Ok() implements KvOutput {
        @Override
        public String toString() {
            return "ok";
        }
    }
}
