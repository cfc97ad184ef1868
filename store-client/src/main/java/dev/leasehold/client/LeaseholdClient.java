package dev.leasehold.client;

import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.DescribeLockRequest;
import dev.leasehold.api.v1.DescribeLockResponse;
import dev.leasehold.api.v1.DescribeSessionRequest;
import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.NotApplied;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.RevokeRequest;
import dev.leasehold.api.v1.RevokeResponse;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.api.v1.ValidateFenceRequest;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A client of a Leasehold store, given the gRPC endpoints of some of its nodes.
 *
 * <p>Any node answers any call (a follower forwards writes to the leader), so each call goes to one endpoint,
 * starting with the last one that answered. When a node is unreachable or cannot serve the call for now (gRPC
 * status {@code UNAVAILABLE}, e.g. while a leader is being elected), the call moves on to the next endpoint after a
 * short backoff, round and round, until the call's deadline ({@link #DEFAULT_TIMEOUT} unless given). It then fails
 * with {@link ClusterUnavailableException}. Every other failure is thrown at once as the server's
 * {@link StatusRuntimeException}, for example {@code INVALID_ARGUMENT} naming the offending field, or
 * {@code DEADLINE_EXCEEDED} when a node accepted the call but the cluster did not complete it in time.
 *
 * <p>Reads, and session and lock calls (which carry an owner key or an invocation id, so that the store applies a
 * repeat once), are sent again after any {@code UNAVAILABLE}. A put or delete is sent again only when it certainly
 * was not applied (no connection could be made, or the node said so); otherwise it fails with
 * {@link OutcomeUnknownException}.
 *
 * <p>Safe for concurrent use. Close it to release its connections.
 */
public final class LeaseholdClient implements AutoCloseable {

    /** How long a call may take, retries included, unless the client is given another timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** A retry needs this much time left; with less it would end as a deadline, hiding why it was retried. */
    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final List<Endpoint> endpoints;
    private final List<ManagedChannel> channels;
    /** Channels to members learnt from the cluster (a leader that is not among the given endpoints). */
    private final Map<Endpoint, ManagedChannel> learnt = new ConcurrentHashMap<>();
    private final Duration timeout;
    private final AtomicInteger preferred = new AtomicInteger();
    private final ScheduledExecutorService timer;
    private final KeepAlives keepAlives;

    /** A client with the {@link #DEFAULT_TIMEOUT}. */
    public LeaseholdClient(List<Endpoint> endpoints) {
        this(endpoints, DEFAULT_TIMEOUT);
    }

    /**
     * A client whose calls each take at most {@code timeout}, retries included.
     *
     * @param endpoints at least one; tried in this order, starting with the first
     */
    public LeaseholdClient(List<Endpoint> endpoints, Duration timeout) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a client needs at least one endpoint");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.channels = this.endpoints.stream().map(LeaseholdClient::newChannel).toList();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leasehold-client-timer");
            t.setDaemon(true);
            return t;
        });
        this.keepAlives = new KeepAlives(this, timer);
    }

    private static ManagedChannel newChannel(Endpoint e) {
        return Grpc.newChannelBuilderForAddress(e.host(), e.port(), InsecureChannelCredentials.create())
                .userAgent("leasehold-client")
                .build();
    }

    /** The endpoints this client tries, in order. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** How long each call may take, retries included. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Sets a key to a value.
     *
     * @throws OutcomeUnknownException if it may or may not have been applied (it is not sent again)
     */
    public PutResponse put(PutRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.put(request), false);
    }

    /** Reads one key; {@link GetResponse#getFound()} says whether it exists. */
    public GetResponse get(GetRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.get(request));
    }

    /**
     * Deletes one key; {@link DeleteResponse#getDeleted()} is 1 if it existed.
     *
     * @throws OutcomeUnknownException if it may or may not have been applied (it is not sent again)
     */
    public DeleteResponse delete(DeleteRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.delete(request), false);
    }

    /** Reads the keys with a prefix, in byte order, one page at a time. */
    public RangeResponse range(RangeRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.range(request));
    }

    /** The Raft status and membership as seen by whichever node answers. */
    public StatusResponse status() {
        return call(ClusterGrpc::newBlockingStub, stub -> stub.status(StatusRequest.getDefaultInstance()));
    }

    /**
     * Starts a session with this time to live, kept alive in the background until it is closed or lost.
     *
     * @param ttl 1 s to 300 s: how long the store keeps the session after the last keep-alive it acknowledged
     */
    public Session newSession(Duration ttl) {
        return newSession(SessionOptions.ttl(ttl));
    }

    /**
     * Starts a session, kept alive in the background until it is closed or lost.
     *
     * <p>The grant carries an owner key (a random one unless the options name one), so that a grant retried after
     * a lost answer returns the same session instead of leaving a second one behind.
     *
     * @throws io.grpc.StatusRuntimeException {@code FAILED_PRECONDITION} when the options' owner had a session that
     *     has ended (an owner never gets a second one), {@code INVALID_ARGUMENT} for a TTL out of range
     */
    public Session newSession(SessionOptions options) {
        long sentNanos = System.nanoTime();
        GrantResponse granted = grant(GrantRequest.newBuilder().setTtlMillis(options.ttl().toMillis())
                .setOwner(options.owner()).build());
        Session session = new Session(this, granted.getSessionId(), Duration.ofMillis(granted.getTtlMillis()),
                granted.getClusterId(), options.driftMargin(), sentNanos);
        keepAlives.add(session);
        return session;
    }

    /**
     * Grants a session and leaves it to the caller to keep alive (or to let it end one TTL later); most callers
     * want {@link #newSession}, which keeps it alive. Retried like every call: give an owner key, or a retry after
     * a lost answer may grant a second session.
     */
    public GrantResponse grant(GrantRequest request) {
        return call(SessionGrpc::newBlockingStub, stub -> stub.grant(request));
    }

    /** Ends a session at once, releasing its locks; the answer lists them. */
    public RevokeResponse revoke(long sessionId) {
        return call(SessionGrpc::newBlockingStub, stub -> stub.revoke(RevokeRequest.newBuilder()
                .setSessionId(sessionId).build()));
    }

    /** A session's state, read linearizably; {@link DescribeSessionResponse#getAlive()} is false once it ended. */
    public DescribeSessionResponse describeSession(long sessionId) {
        return call(SessionGrpc::newBlockingStub, stub -> stub.describe(DescribeSessionRequest.newBuilder()
                .setSessionId(sessionId).build()));
    }

    /** The holder and the waiters of a lock, read linearizably. */
    public DescribeLockResponse describeLock(String name) {
        return call(LockGrpc::newBlockingStub, stub -> stub.describe(DescribeLockRequest.newBuilder().setName(name)
                .setConsistency(Consistency.LINEARIZABLE).build()));
    }

    /**
     * Whether {@code token} is still the current grant of its lock, read linearizably. A resource that cannot
     * compare tokens itself can ask this before it acts; the store's own writes take the token as a
     * {@linkplain PutRequest.Builder#setFence fence} instead, which closes the gap between check and write.
     */
    public boolean validateFence(FencingToken token) {
        return call(LockGrpc::newBlockingStub, stub -> stub.validateFence(ValidateFenceRequest.newBuilder()
                .setName(token.lock()).setToken(token.value()).build())).getValid();
    }

    /** A leader election named {@code name}, in which {@code session} can campaign. */
    public LeaderElection leaderElection(Session session, String name) {
        return new LeaderElection(this, session, name);
    }

    /** The channel to a member's endpoint: one of the given ones, or one learnt from the cluster's membership. */
    ManagedChannel channel(Endpoint endpoint) {
        int i = endpoints.indexOf(endpoint);
        return i >= 0 ? channels.get(i) : learnt.computeIfAbsent(endpoint, LeaseholdClient::newChannel);
    }

    /** The given endpoint to try {@code attempt} places after the one that last answered. */
    Endpoint endpoint(int attempt) {
        return endpoints.get(Math.floorMod(preferred.get() + attempt, endpoints.size()));
    }

    /** Runs {@code task} on the timer thread after {@code delayNanos}; not at all once the client is closed. */
    void later(Runnable task, long delayNanos) {
        try {
            timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // gRPC reports the calls that closing the client cancelled; there is nothing left to do for them
        }
    }

    KeepAlives keepAlives() {
        return keepAlives;
    }

    /**
     * Runs a unary call on one endpoint after another until one serves it, as every public call of this client
     * does. Only for calls that are safe to repeat: reads, and writes that carry an owner or invocation id.
     */
    <S extends AbstractStub<S>, R> R call(Function<Channel, S> newStub, Function<S, R> rpc) {
        return call(newStub, rpc, true);
    }

    /**
     * As above; a call that is not {@code idempotent} is sent again only when it certainly was not applied: no
     * connection could be made, or the node said so ({@link NotApplied}).
     */
    private <S extends AbstractStub<S>, R> R call(Function<Channel, S> newStub, Function<S, R> rpc,
                                                  boolean idempotent) {
        Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
        int first = preferred.get();
        long backoff = FIRST_BACKOFF_NANOS;
        boolean anyNodeReached = false;
        for (int attempt = 0; ; attempt++) {
            int i = (first + attempt) % channels.size();
            ManagedChannel channel = channels.get(i);
            try {
                R response = rpc.apply(newStub.apply(channel).withDeadline(deadline));
                preferred.set(i);
                return response;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                boolean unreachable = NotApplied.neverSent(e);
                if (!idempotent && !unreachable && !NotApplied.isMarked(e)) {
                    throw new OutcomeUnknownException(e);
                }
                anyNodeReached |= !unreachable;
                if (unreachable) {
                    // gRPC waits up to minutes before it reconnects a failed channel; when we come back to this
                    // endpoint it should have tried again.
                    channel.resetConnectBackoff();
                }
                pause(Math.min(backoff, deadline.timeRemaining(TimeUnit.NANOSECONDS)), e);
                backoff = Math.min(2 * backoff, MAX_BACKOFF_NANOS);
                if (deadline.timeRemaining(TimeUnit.NANOSECONDS) < MIN_RETRY_NANOS) {
                    throw new ClusterUnavailableException(endpoints, timeout, anyNodeReached, e);
                }
            }
        }
    }

    private static void pause(long nanos, StatusRuntimeException failure) {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while retrying").withCause(failure)
                    .asRuntimeException();
        }
    }

    /**
     * Closes the connections; calls still running fail with {@code UNAVAILABLE}. Sessions still open are no longer
     * kept alive, and report themselves lost.
     */
    @Override
    public void close() {
        keepAlives.close();
        timer.shutdownNow();
        List<ManagedChannel> all = new ArrayList<>(channels);
        all.addAll(learnt.values());
        all.forEach(ManagedChannel::shutdownNow);
        try {
            for (ManagedChannel channel : all) {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
