package dev.leasehold.client;

import dev.leasehold.api.v1.Fence;

/**
 * The proof that a lock was granted: the Raft index of the entry that granted it. Tokens of a lock strictly
 * increase from one grant to the next, so a resource that remembers the highest token it has seen can refuse a
 * request carrying a lower one: a holder that was paused past its session's end and wakes up believing it still
 * holds the lock is stopped there (Chubby's sequencers, Kleppmann's fencing tokens).
 *
 * <p>Pass {@link #value()} to the resource along with every request made under the lock, or guard the store's
 * own writes with {@link #toFence()}. Compare tokens only within one lock of one cluster.
 *
 * @param lock the lock's name
 * @param value the token, at least 1
 * @param clusterId the cluster that granted it; empty if the store did not name one
 */
public record FencingToken(String lock, long value, String clusterId) implements Comparable<FencingToken> {

    /** Checks the parts. */
    public FencingToken {
        if (lock == null || lock.isEmpty()) {
            throw new IllegalArgumentException("lock must not be empty");
        }
        if (value < 1) {
            throw new IllegalArgumentException("value must be at least 1, was " + value);
        }
        if (clusterId == null) {
            throw new IllegalArgumentException("clusterId must not be null (empty when unknown)");
        }
    }

    /** A fence for a {@code Put}, {@code Delete} or {@code Txn}: applied only while this grant holds the lock. */
    public Fence toFence() {
        return Fence.newBuilder().setLock(lock).setToken(value).build();
    }

    /**
     * Orders tokens of the same lock; a later grant compares greater.
     *
     * @throws IllegalArgumentException for tokens of different locks or clusters, which have no order
     */
    @Override
    public int compareTo(FencingToken other) {
        if (!lock.equals(other.lock) || !clusterId.equals(other.clusterId)) {
            throw new IllegalArgumentException("tokens of " + this + " and " + other + " cannot be compared");
        }
        return Long.compare(value, other.value);
    }

    /** {@code lock@value}. */
    @Override
    public String toString() {
        return lock + "@" + value;
    }
}
