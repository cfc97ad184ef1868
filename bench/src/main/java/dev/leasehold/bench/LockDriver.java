package dev.leasehold.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Lock users of one system over one client connection to its leader. Each user owns what the system's lock is
 * tied to (a Leasehold session, an etcd lease), kept alive until the user is closed; closing ends it, which also
 * frees anything it still holds.
 */
interface LockDriver extends AutoCloseable {

    /** The TTL of every session and lease: long enough that keep-alives are rare, as in applications. */
    Duration TTL = Duration.ofSeconds(10);

    /** A new user with a fresh session or lease, kept alive from now on. */
    LockUser user();

    @Override
    void close();

    /** One lock client, as an application would be one. */
    interface LockUser extends AutoCloseable {

        /** The blocking lock call: completes once {@code lock} is held by this user. */
        CompletableFuture<Held> acquire(String lock);

        @Override
        void close();
    }

    /**
     * A granted lock. {@code fence} grows with every grant of one lock when the lock is safe: Leasehold's fencing
     * token, etcd's revision of the lock answer (at or after the delete of the previous holder's key).
     * {@code release} sends the unlock and completes when it has been answered.
     */
    record Held(long fence, Supplier<CompletableFuture<?>> release) {
    }
}
