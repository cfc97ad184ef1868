package dev.leasehold.linearizability;

import java.util.Objects;

/** An operation on one key of a key-value store: {@link Get}, {@link Put} or {@link Append}. */
public sealed interface KvInput permits KvInput.Get, KvInput.Put, KvInput.Append {

    /** The key the operation reads or writes. */
    String key();

    /**
     * Reads the key; returns {@link KvOutput.Value}.
     *
     * @param key the key
     */
    record Get(String key) implements KvInput {
        /** Checks that the key is present. */
        public Get {
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "get(" + key + ")";
        }
    }

    /**
     * Sets the key to {@code value}; returns {@link KvOutput.Ok}.
     *
     * @param key   the key
     * @param value the new value
     */
    record Put(String key, String value) implements KvInput {
        /** Checks that key and value are present. */
        public Put {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "put(" + key + ", \"" + value + "\")";
        }
    }

    /**
     * Appends {@code value} to the key's value; returns {@link KvOutput.Ok}.
     *
     * @param key   the key
     * @param value what is appended
     */
    record Append(String key, String value) implements KvInput {
        /** Checks that key and value are present. */
        public Append {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "append(" + key + ", \"" + value + "\")";
        }
    }
}
