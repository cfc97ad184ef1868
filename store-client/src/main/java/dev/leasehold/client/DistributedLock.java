package dev.leasehold.client;

import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.CancelAcquireRequest;
import dev.leasehold.api.v1.CancelAcquireResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.ReleaseRequest;
import dev.leasehold.api.v1.TryAcquireResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * A fair (first come, first served) lock owned by a {@link Session}, with a {@link FencingToken} for each grant.
 *
 * <pre>{@code
 * try (DistributedLock lock = session.lock("reports/nightly")) {
 *     FencingToken token = lock.acquire();
 *     storage.write(report, token.value()); // the storage refuses tokens lower than one it has seen
 * }                                         // close() releases
 * }</pre>
 *
 * <p>A waiting {@link #acquire()} keeps its place in the queue across leader changes and broken connections:
 * the request carries an invocation id, and the client re-attaches to the same place with it. The place is given
 * up only when the caller stops waiting (interrupt or timeout), by an explicit cancel that also tells whether the
 * lock was granted in the meantime, or when the session ends.
 *
 * <p>The lock is held until {@link #release()}, {@link #close()} or the end of the session. The session can be
 * lost while the application works (a long GC pause, a partition): check {@link #isHeld()} before acting, and
 * pass the token to whatever the lock protects, since only the token protects against a holder that does not
 * know yet that it lost the lock.
 *
 * <p>One acquire at a time per instance; the methods may be called from different threads.
 */
public final class DistributedLock implements AutoCloseable {

    /** A waiting call is renewed this often, so a node that stopped answering cannot hold a waiter forever. */
    private static final long REATTACH_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final LeaseholdClient client;
    private final Session session;
    private final String name;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile FencingToken held;
    private volatile long position;

    DistributedLock(LeaseholdClient client, Session session, String name) {
        this.client = client;
        this.session = session;
        this.name = name;
    }

    /** The lock's name. */
    public String name() {
        return name;
    }

    /** The session that owns the lock when it is held. */
    public Session session() {
        return session;
    }

    /**
     * Waits for the lock, as long as it takes.
     *
     * @return the grant's token
     * @throws SessionLostException if the session is lost before the lock is granted
     * @throws InterruptedException if interrupted while waiting; the request has then left the queue (and a grant
     *     that came just before was released)
     * @throws IllegalStateException if this instance holds the lock or is already acquiring it
     */
    public FencingToken acquire() throws InterruptedException {
        return acquire(position -> { });
    }

    /**
     * Waits for the lock, telling {@code onQueued} the place in line (1 = next) whenever it changes.
     *
     * @see #acquire()
     */
    public FencingToken acquire(LongConsumer onQueued) throws InterruptedException {
        return await(Long.MAX_VALUE, onQueued).orElseThrow();
    }

    /**
     * Takes the lock if it can within {@code timeout}; {@link Duration#ZERO} takes it only if it is free now,
     * without queueing.
     *
     * @return the grant's token, or empty when the timeout passed first (the request has then left the queue)
     * @throws SessionLostException if the session is lost first
     * @throws InterruptedException if interrupted while waiting; the request has then left the queue
     */
    public Optional<FencingToken> tryAcquire(Duration timeout) throws InterruptedException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        if (!timeout.isZero()) {
            return await(timeout.toNanos(), position -> { });
        }
        begin();
        try {
            AcquireRequest request = request(session.nextInvocationId());
            TryAcquireResponse response = client.call(LockGrpc::newBlockingStub, stub -> stub.tryAcquire(request));
            checkCluster(response.getClusterId());
            return response.getAcquired() ? Optional.of(grant(response.getToken())) : Optional.empty();
        } catch (StatusRuntimeException e) {
            throw sessionLostOr(e);
        } finally {
            busy.set(false);
        }
    }

    /**
     * Releases the lock, if this instance holds it.
     *
     * @return whether the store released it; {@code false} if it was not held, or no longer held with this grant's
     *     token (the session ended and the lock passed on)
     */
    public boolean release() {
        FencingToken token = held;
        if (token == null) {
            return false;
        }
        held = null;
        ReleaseRequest request = ReleaseRequest.newBuilder().setName(name).setSessionId(session.id())
                .setToken(token.value()).setInvocationId(session.nextInvocationId()).build();
        try {
            return client.call(LockGrpc::newBlockingStub, stub -> stub.release(request)).getReleased();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
                return false; // the session has ended, and with it the hold
            }
            throw e;
        }
    }

    /** The token of the current grant, if this instance holds the lock (its session may be lost meanwhile). */
    public Optional<FencingToken> token() {
        return Optional.ofNullable(held);
    }

    /** Whether this instance holds the lock and its session is certainly alive now. Reads the clock. */
    public boolean isHeld() {
        return held != null && session.isAlive();
    }

    /** The place in line of a waiting acquire (1 = next), or 0 when not waiting. */
    public long queuePosition() {
        return position;
    }

    /** Releases the lock if held; a failure to reach the store is left to the session's end. */
    @Override
    public void close() {
        try {
            release();
        } catch (ClusterUnavailableException e) {
            // the session's end releases it
        }
    }

    private void begin() {
        if (held != null) {
            throw new IllegalStateException("lock " + name + " is already held by this instance with " + held);
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("lock " + name + " is already being acquired by this instance");
        }
        if (!session.isAlive()) {
            busy.set(false);
            throw session.lost().join();
        }
    }

    private Optional<FencingToken> await(long timeoutNanos, LongConsumer onQueued) throws InterruptedException {
        begin();
        Waiter waiter = new Waiter(session.nextInvocationId(), onQueued);
        try {
            waiter.attach();
            long token = timeoutNanos == Long.MAX_VALUE
                    ? waiter.granted.get()
                    : waiter.granted.get(timeoutNanos, TimeUnit.NANOSECONDS);
            waiter.detach();
            return Optional.of(grant(token));
        } catch (ExecutionException e) {
            waiter.detach();
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw sessionLostOr(s);
            }
            throw (RuntimeException) e.getCause();
        } catch (TimeoutException e) {
            return waiter.withdraw().map(this::grant);
        } catch (InterruptedException e) {
            Optional<Long> grantedMeanwhile = waiter.withdraw();
            if (grantedMeanwhile.isPresent()) {
                held = grant(grantedMeanwhile.get());
                release();
            }
            throw e;
        } finally {
            position = 0;
            busy.set(false);
        }
    }

    private FencingToken grant(long token) {
        FencingToken t = new FencingToken(name, token, session.clusterId());
        held = t;
        return t;
    }

    private AcquireRequest request(long invocation) {
        return AcquireRequest.newBuilder().setName(name).setSessionId(session.id()).setInvocationId(invocation)
                .build();
    }

    private void checkCluster(String clusterId) {
        if (!clusterId.isEmpty() && !clusterId.equals(session.clusterId())) {
            session.markLost("cluster " + clusterId + " answered, not " + session.clusterId() + " that granted it");
            throw session.lost().join();
        }
    }

    /** The store fails a lock call of an ended session with FAILED_PRECONDITION; the session is then lost. */
    private RuntimeException sessionLostOr(StatusRuntimeException e) {
        String description = String.valueOf(e.getStatus().getDescription());
        if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                && description.startsWith("session " + session.id() + " ") && description.contains("ended")) {
            session.markLost("the store says it has ended: " + description);
        }
        return session.isLost() ? session.lost().join() : e;
    }

    /** One waiting acquire: a streaming call, re-attached with the same invocation id until it is answered. */
    private final class Waiter {
        final long invocation;
        final LongConsumer onQueued;
        final CompletableFuture<Long> granted = new CompletableFuture<>();
        private volatile ClientCallStreamObserver<AcquireRequest> call;
        private volatile boolean detached;
        private int attempt;
        private long backoffNanos = FIRST_BACKOFF_NANOS;

        Waiter(long invocation, LongConsumer onQueued) {
            this.invocation = invocation;
            this.onQueued = onQueued;
            session.lost().thenAccept(granted::completeExceptionally);
        }

        synchronized void attach() {
            if (detached || granted.isDone()) {
                return;
            }
            Endpoint endpoint = client.endpoint(attempt);
            LockGrpc.newStub(client.channel(endpoint)).withDeadlineAfter(REATTACH_NANOS, TimeUnit.NANOSECONDS)
                    .acquire(request(invocation), new ClientResponseObserver<AcquireRequest, AcquireEvent>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<AcquireRequest> requestStream) {
                            call = requestStream;
                        }

                        @Override
                        public void onNext(AcquireEvent event) {
                            if (event.hasGranted()) {
                                try {
                                    checkCluster(event.getGranted().getClusterId());
                                    granted.complete(event.getGranted().getToken());
                                } catch (SessionLostException e) {
                                    granted.completeExceptionally(e);
                                }
                            } else if (event.hasQueued() && !granted.isDone()) {
                                position = event.getQueued().getPosition();
                                onQueued.accept(position);
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            if (!granted.isDone()) {
                                failed(Status.INTERNAL.withDescription("the acquire ended without an answer"));
                            }
                        }
                    });
        }

        private synchronized void failed(Status status) {
            if (detached || granted.isDone()) {
                return;
            }
            switch (status.getCode()) {
                case DEADLINE_EXCEEDED -> client.later(this::attach, 0); // our own renewal interval
                case UNAVAILABLE, CANCELLED, INTERNAL, UNKNOWN -> {
                    // A node went away or was replaced by another: the place in the queue is kept at the leader.
                    attempt++;
                    long delay = backoffNanos;
                    backoffNanos = Math.min(2 * backoffNanos, MAX_BACKOFF_NANOS);
                    client.channel(client.endpoint(attempt)).resetConnectBackoff();
                    client.later(this::attach, delay);
                }
                default -> granted.completeExceptionally(status.asRuntimeException());
            }
        }

        /** Stops listening; the request keeps its place unless withdrawn. */
        synchronized void detach() {
            detached = true;
            if (call != null) {
                call.cancel("the caller stopped waiting", null);
            }
        }

        /** Leaves the queue; returns the token if the lock was granted before the cancel took effect. */
        Optional<Long> withdraw() {
            detach();
            CancelAcquireRequest cancel = CancelAcquireRequest.newBuilder().setName(name)
                    .setSessionId(session.id()).setInvocationId(invocation).build();
            CancelAcquireResponse response;
            try {
                response = client.call(LockGrpc::newBlockingStub, stub -> stub.cancelAcquire(cancel));
            } catch (StatusRuntimeException e) {
                if (session.isLost() || sessionLostOr(e) instanceof SessionLostException) {
                    return Optional.empty(); // an ended session holds nothing and waits for nothing
                }
                throw e;
            }
            if (!response.getCancelled() && response.getGrantedToken() != 0) {
                return Optional.of(response.getGrantedToken());
            }
            if (granted.isDone() && !granted.isCompletedExceptionally()) {
                return Optional.of(granted.join());
            }
            return Optional.empty();
        }
    }
}
