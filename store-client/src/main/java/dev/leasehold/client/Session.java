package dev.leasehold.client;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session with the store: the unit of liveness that owns locks. The client keeps it alive in the background,
 * sending a keep-alive every third of the TTL to the leader, until it is {@linkplain #close() closed} or lost.
 *
 * <h2>When is a session alive?</h2>
 * The store ends a session one TTL after the last keep-alive it acknowledged, and may end it later, never sooner.
 * The client cannot see the store's clock, so it counts from its own: its deadline is the time the acknowledged
 * keep-alive was <em>sent</em> (taken before sending, so it is earlier than anything the store saw) plus the TTL,
 * less a {@linkplain SessionOptions#driftMargin() drift margin}. Until that deadline the session is certainly
 * alive at the store; after it, it may not be. {@link #isAlive()} reads the clock each time it is called, so a
 * process that was paused sees the truth on waking, before any background thread has run.
 *
 * <p>A deadline that has passed is final: the session is lost, {@link #lost()} completes, and the client never
 * believes in it again, even if a late acknowledgement arrives. The same happens when the store says the session
 * has ended, or when an answer comes from another cluster than the one that granted it ({@link #clusterId()}).
 * Work done under a lock of a lost session must stop; writes that carry the lock's {@link FencingToken} are
 * rejected by the store once the lock has passed on.
 *
 * <p>Safe for concurrent use.
 */
public final class Session implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final LeaseholdClient client;
    private final long id;
    private final Duration ttl;
    private final String clusterId;
    private final long marginNanos;
    private final AtomicLong invocations;
    private final CompletableFuture<SessionLostException> lost = new CompletableFuture<>();
    private volatile long deadlineNanos;

    // Touched only on the client's timer thread, by KeepAlives.
    long nextSequence = 1;
    final TreeMap<Long, Long> sentNanosBySequence = new TreeMap<>();
    boolean draining;
    ScheduledFuture<?> sending;
    ScheduledFuture<?> deadlineCheck;

    Session(LeaseholdClient client, long id, Duration ttl, String clusterId, Duration driftMargin,
            long grantSentNanos) {
        this.client = client;
        this.id = id;
        this.ttl = ttl;
        this.clusterId = clusterId;
        this.marginNanos = driftMargin.toNanos();
        this.deadlineNanos = grantSentNanos + ttl.toNanos() - marginNanos;
        // Invocation ids must be unique per session; a session found again by its owner key may have been used by
        // another process, so ids start at a random point rather than at 1.
        this.invocations = new AtomicLong(1 + (RANDOM.nextLong() >>> 2));
    }

    /** The store's id of this session. */
    public long id() {
        return id;
    }

    /** The TTL the store granted. */
    public Duration ttl() {
        return ttl;
    }

    /** The id of the cluster that granted the session; empty if the store did not name one. */
    public String clusterId() {
        return clusterId;
    }

    /**
     * Whether the session is certainly alive at the store now: it has not been lost, and its deadline has not
     * passed. Reads the clock.
     */
    public boolean isAlive() {
        if (lost.isDone()) {
            return false;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            markLost("no keep-alive was acknowledged within the session's TTL: it may have expired");
            return false;
        }
        return true;
    }

    /** The deadline in {@link System#nanoTime()} terms: until then the session is alive at the store. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** How long the session is certainly alive from now; zero once lost. */
    public Duration remaining() {
        return isAlive() ? Duration.ofNanos(deadlineNanos - System.nanoTime()) : Duration.ZERO;
    }

    /**
     * Completes, once, when the session is lost or closed, with the reason. Callbacks run on a client thread and
     * must not block.
     */
    public CompletableFuture<SessionLostException> lost() {
        return lost;
    }

    /** A lock of this session. */
    public DistributedLock lock(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("lock name must not be empty");
        }
        return new DistributedLock(client, this, name);
    }

    /**
     * Revokes the session: the store releases every lock it held and drops its queued acquires. Idempotent; a
     * session that was already lost is only forgotten.
     *
     * @throws ClusterUnavailableException if no node could revoke it; it then ends by itself one TTL later
     */
    @Override
    public void close() {
        boolean wasLost = lost.isDone();
        markLost("the session was closed");
        if (!wasLost) {
            revoke();
        }
    }

    /** Tells the store to end the session; it may have ended already. */
    void revoke() {
        client.revoke(id);
    }

    long nextInvocationId() {
        return invocations.getAndIncrement();
    }

    /** Moves the deadline on for an acknowledged keep-alive sent at {@code sentNanos}; never back, never after loss. */
    boolean acknowledged(long sentNanos) {
        long candidate = sentNanos + ttl.toNanos() - marginNanos;
        if (lost.isDone() || candidate - deadlineNanos <= 0) {
            return false;
        }
        // The deadline may pass between the check above and here; isAlive() then has already made it final.
        if (System.nanoTime() - deadlineNanos >= 0) {
            markLost("no keep-alive was acknowledged within the session's TTL: it may have expired");
            return false;
        }
        deadlineNanos = candidate;
        return true;
    }

    /** Makes the loss final; the first reason wins. */
    boolean markLost(String reason) {
        boolean first = lost.complete(new SessionLostException(id, reason));
        if (first) {
            client.keepAlives().remove(this);
        }
        return first;
    }

    boolean isLost() {
        return lost.isDone();
    }

    @Override
    public String toString() {
        return "session " + id + (clusterId.isEmpty() ? "" : " of cluster " + clusterId);
    }
}
