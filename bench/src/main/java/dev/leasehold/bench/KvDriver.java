package dev.leasehold.bench;

import java.util.concurrent.CompletableFuture;

/** One client connection to a system under test, speaking to its leader. Keys are named by their index. */
interface KvDriver extends AutoCloseable {

    /** Writes the benchmark value to key {@code key}. */
    CompletableFuture<?> put(int key);

    /** A linearizable read of key {@code key}; fails when the key is missing. */
    CompletableFuture<?> get(int key);

    @Override
    void close();
}
