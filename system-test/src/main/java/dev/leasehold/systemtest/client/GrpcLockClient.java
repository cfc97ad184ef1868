package dev.leasehold.systemtest.client;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.CancelAcquireRequest;
import dev.leasehold.api.v1.CancelAcquireResponse;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.ReleaseRequest;
import dev.leasehold.api.v1.RevokeRequest;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.TryAcquireResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@link LockClient} over the store's gRPC API, for a cluster whose nodes it knows by id.
 *
 * <p>Unary calls go to a preferred node and move to the next one when a node does not answer; only calls that
 * carry an invocation id (acquire, release, cancel) or change nothing (reads) are sent again, since a KV write or a
 * grant sent twice could apply twice. A negative answer to a call sent again after an attempt whose outcome is
 * unknown proves nothing about that attempt (the session may have ended in between), so it counts as unknown.
 *
 * <p>Keep-alives for all sessions go on one bidirectional {@code Session.KeepAlive} stream, every TTL/3, to the
 * leader (a follower answers NOT_LEADER naming it, and the stream moves there). The deadline of a session is the
 * send time of its last acknowledged keep-alive (at first: of the grant) plus the TTL less a drift margin of 1 %
 * of the TTL and 100 ms; once that has passed, or the store answers that the session ended, it is lost for good.
 */
public final class GrpcLockClient implements LockClient {

    private static final Duration CALL_DEADLINE = Duration.ofMillis(2_500);
    private static final Duration RETRY_BUDGET = Duration.ofSeconds(5);
    private static final long TICK_MILLIS = 50;

    /** The client's view of one session. */
    private static final class Lease {
        final long ttlNanos;
        final long marginNanos;
        /** send time of each keep-alive not yet answered, by sequence */
        final SortedMap<Long, Long> sent = new TreeMap<>();
        long deadline;
        long lastSent;
        long sequence;
        boolean lost;

        Lease(long ttlNanos, long grantSent) {
            this.ttlNanos = ttlNanos;
            this.marginNanos = ttlNanos / 100 + TimeUnit.MILLISECONDS.toNanos(100);
            this.deadline = grantSent + ttlNanos - marginNanos;
            this.lastSent = grantSent;
        }
    }

    private final TreeMap<Long, ManagedChannel> channels = new TreeMap<>();
    private final List<Long> ids;
    private final SessionEvents events;
    private final Map<Long, Lease> leases = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keep-alive");
        t.setDaemon(true);
        return t;
    });
    private volatile long home;

    // guarded by this: the keep-alive stream and the node it goes to
    private StreamObserver<KeepAliveRequest> stream;
    private long streamNode;

    /**
     * @param nodes  the nodes' client addresses by Raft id
     * @param home   the node to try first
     * @param events hears of acknowledged keep-alives and lost sessions
     */
    public GrpcLockClient(Map<Long, String> nodes, long home, SessionEvents events) {
        nodes.forEach((id, address) -> channels.put(id, NettyChannelBuilder.forTarget(address).usePlaintext()
                .build()));
        this.ids = List.copyOf(channels.keySet());
        this.home = home;
        this.streamNode = home;
        this.events = events;
        timer.scheduleWithFixedDelay(this::keepAlives, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- sessions

    @Override
    public Reply<Long> grant(Duration ttl) {
        long sent = System.nanoTime();
        try {
            long id = stub(SessionGrpc.newBlockingStub(channel(home)))
                    .grant(GrantRequest.newBuilder().setTtlMillis(ttl.toMillis()).build()).getSessionId();
            leases.put(id, new Lease(ttl.toNanos(), sent));
            return new Reply.Ok<>(id);
        } catch (StatusRuntimeException e) {
            return unsent(e);
        }
    }

    @Override
    public boolean lost(long session) {
        Lease lease = leases.get(session);
        if (lease == null) {
            return true;
        }
        synchronized (lease) {
            expireIfDue(session, lease, System.nanoTime());
            return lease.lost;
        }
    }

    @Override
    public Reply<List<String>> revoke(long session) {
        leases.remove(session); // no keep-alive from now on: the session is given up whatever the answer
        return retrying(channel -> new ArrayList<>(stub(SessionGrpc.newBlockingStub(channel))
                .revoke(RevokeRequest.newBuilder().setSessionId(session).build()).getReleasedLocksList()),
                released -> true);
    }

    // ---------------------------------------------------------------- locks

    @Override
    public Reply<Long> acquire(long session, String lock, long invocation, Duration wait) {
        AcquireRequest request = AcquireRequest.newBuilder().setName(lock).setSessionId(session)
                .setInvocationId(invocation).build();
        long end = System.nanoTime() + wait.toNanos();
        boolean unsure = false;
        while (true) {
            long remaining = end - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            long node = home;
            try {
                Iterator<AcquireEvent> stream = LockGrpc.newBlockingStub(channel(node))
                        .withDeadlineAfter(remaining, TimeUnit.NANOSECONDS).acquire(request);
                while (stream.hasNext()) {
                    AcquireEvent event = stream.next();
                    if (event.hasGranted()) {
                        return new Reply.Ok<>(event.getGranted().getToken());
                    }
                }
                unsure = true; // ended without an answer
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.DEADLINE_EXCEEDED) {
                    unsure = true; // still queued, most likely
                    break;
                }
                if (!unsure && refusal(code)) {
                    return new Reply.Refused<>(code.name(), e.getStatus().getDescription());
                }
                unsure = true;
                if (refusal(code)) {
                    break; // the session may have ended after an earlier attempt was granted: settle below
                }
                moveOn(node);
                pace();
            }
        }
        return settle(request);
    }

    /** Cancels an acquire that may still be queued: refused if it was, the token if it had been granted. */
    private Reply<Long> settle(AcquireRequest acquire) {
        CancelAcquireRequest cancel = CancelAcquireRequest.newBuilder().setName(acquire.getName())
                .setSessionId(acquire.getSessionId()).setInvocationId(acquire.getInvocationId()).build();
        Reply<CancelAcquireResponse> answer = retrying(channel -> stub(LockGrpc.newBlockingStub(channel))
                .cancelAcquire(cancel), response -> true);
        if (answer instanceof Reply.Ok<CancelAcquireResponse> ok) {
            if (ok.value().getCancelled()) {
                return new Reply.Refused<>("CANCELLED", "gave up waiting and cancelled the queued request");
            }
            if (ok.value().getGrantedToken() != 0) {
                return new Reply.Ok<>(ok.value().getGrantedToken());
            }
            // not queued and not granted: never applied so far, and may still be
            return new Reply.Unknown<>("the acquire was neither queued nor granted when cancelled");
        }
        return new Reply.Unknown<>("cancelling the acquire: " + answer);
    }

    @Override
    public Reply<OptionalLong> tryAcquire(long session, String lock, long invocation) {
        AcquireRequest request = AcquireRequest.newBuilder().setName(lock).setSessionId(session)
                .setInvocationId(invocation).build();
        try {
            TryAcquireResponse r = stub(LockGrpc.newBlockingStub(channel(home))).tryAcquire(request);
            return new Reply.Ok<>(r.getAcquired() ? OptionalLong.of(r.getToken()) : OptionalLong.empty());
        } catch (StatusRuntimeException e) {
            return unsent(e);
        }
    }

    @Override
    public Reply<Boolean> release(long session, String lock, long token, long invocation) {
        ReleaseRequest request = ReleaseRequest.newBuilder().setName(lock).setSessionId(session).setToken(token)
                .setInvocationId(invocation).build();
        return retrying(channel -> stub(LockGrpc.newBlockingStub(channel)).release(request).getReleased(),
                released -> released);
    }

    // ---------------------------------------------------------------- KV

    @Override
    public Reply<Long> fencedPut(String key, String value, String lock, long token) {
        PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .setFence(Fence.newBuilder().setLock(lock).setToken(token)).build();
        try {
            return new Reply.Ok<>(stub(KVGrpc.newBlockingStub(channel(home))).put(request).getHeader().getRevision());
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.FAILED_PRECONDITION) {
                return new Reply.Refused<>(code.name(), e.getStatus().getDescription());
            }
            moveOn(home);
            return new Reply.Unknown<>(code + ": " + e.getStatus().getDescription());
        }
    }

    @Override
    public Reply<Read> get(String key) {
        GetRequest request = GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build();
        return retrying(channel -> {
            GetResponse r = stub(KVGrpc.newBlockingStub(channel)).get(request);
            return r.getFound() ? new Read(r.getKv().getValue().toStringUtf8(), r.getKv().getModRevision())
                    : new Read("", 0);
        }, read -> true);
    }

    // ---------------------------------------------------------------- calls

    /**
     * Sends a call that may be sent again (it carries an invocation id, or changes nothing) to one node after
     * another until one answers or the retry budget is spent. An answer that {@code conclusive} rejects, or a
     * refusal, after an attempt with an unknown outcome is itself unknown.
     */
    private <T> Reply<T> retrying(Function<ManagedChannel, T> call, Predicate<T> conclusive) {
        long end = System.nanoTime() + RETRY_BUDGET.toNanos();
        boolean unsure = false;
        String last = "no attempt";
        while (System.nanoTime() < end) {
            long node = home;
            try {
                T answer = call.apply(channel(node));
                return !unsure || conclusive.test(answer) ? new Reply.Ok<>(answer)
                        : new Reply.Unknown<>("a negative answer (" + answer + ") after an attempt whose outcome "
                        + "is unknown");
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (refusal(code)) {
                    return unsure ? new Reply.Unknown<>("refused after an attempt whose outcome is unknown: " + code
                            + ": " + e.getStatus().getDescription())
                            : new Reply.Refused<>(code.name(), e.getStatus().getDescription());
                }
                unsure = true;
                last = code + ": " + e.getStatus().getDescription();
                moveOn(node);
                pace();
            }
        }
        return new Reply.Unknown<>(last);
    }

    /** The answer to a call sent once that failed: a refusal changed nothing, anything else may have. */
    private <T> Reply<T> unsent(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (refusal(code)) {
            return new Reply.Refused<>(code.name(), e.getStatus().getDescription());
        }
        moveOn(home);
        return new Reply.Unknown<>(code + ": " + e.getStatus().getDescription());
    }

    /** The codes with which the store refuses a request without applying it. */
    private static boolean refusal(Status.Code code) {
        return code == Status.Code.FAILED_PRECONDITION || code == Status.Code.INVALID_ARGUMENT;
    }

    private <S extends AbstractStub<S>> S stub(S stub) {
        return stub.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ManagedChannel channel(long node) {
        return channels.get(node);
    }

    /** After {@code node} failed: the next node becomes the preferred one, and the failed one reconnects at once. */
    private void moveOn(long node) {
        channel(node).resetConnectBackoff();
        if (home == node) {
            home = next(node);
        }
    }

    private long next(long node) {
        return ids.get((ids.indexOf(node) + 1) % ids.size());
    }

    private static void pace() {
        try {
            Thread.sleep(50); // between attempts on another node, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- keep-alives

    private void keepAlives() {
        long now = System.nanoTime();
        leases.forEach((session, lease) -> {
            synchronized (lease) {
                expireIfDue(session, lease, now);
                if (lease.lost || now - lease.lastSent < lease.ttlNanos / 3) {
                    return;
                }
                lease.sequence++;
                lease.sent.put(lease.sequence, now);
                lease.lastSent = now;
                send(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(lease.sequence).build());
            }
        });
    }

    private void expireIfDue(long session, Lease lease, long now) {
        if (!lease.lost && now > lease.deadline) {
            lose(session, lease, "no keep-alive acknowledged in time (the deadline passed)");
        }
    }

    private void lose(long session, Lease lease, String why) {
        lease.lost = true;
        lease.sent.clear();
        events.lost(session, why, false); // this client never revokes by itself
    }

    private synchronized void send(KeepAliveRequest request) {
        if (stream == null) {
            long node = streamNode;
            stream = SessionGrpc.newStub(channel(node)).keepAlive(new StreamObserver<>() {
                @Override
                public void onNext(KeepAliveResponse response) {
                    answered(node, response);
                }

                @Override
                public void onError(Throwable t) {
                    broken(node);
                }

                @Override
                public void onCompleted() {
                    broken(node);
                }
            });
        }
        try {
            stream.onNext(request);
        } catch (RuntimeException e) {
            stream = null; // the call is over; the next tick opens another
        }
    }

    private void answered(long node, KeepAliveResponse response) {
        Lease lease = leases.get(response.getSessionId());
        if (lease == null) {
            return;
        }
        synchronized (lease) {
            if (lease.lost) {
                return;
            }
            switch (response.getResult()) {
                case ALIVE -> {
                    Long sent = lease.sent.get(response.getSequence());
                    if (sent == null) {
                        return;
                    }
                    lease.sent.headMap(response.getSequence() + 1).clear();
                    long now = System.nanoTime();
                    expireIfDue(response.getSessionId(), lease, now); // an answer after the deadline revives nothing
                    if (!lease.lost) {
                        lease.deadline = Math.max(lease.deadline, sent + lease.ttlNanos - lease.marginNanos);
                        events.acknowledged(response.getSessionId(), sent);
                    }
                }
                case NOT_LEADER -> {
                    lease.lastSent = 0; // send again at once, to the leader
                    follow(node, response.getLeader());
                }
                default -> lose(response.getSessionId(), lease, "the store answered " + response.getResult());
            }
        }
    }

    /** Moves the stream from {@code node} to {@code leader} (or the next node, when no leader is known). */
    private synchronized void follow(long node, long leader) {
        if (streamNode != node) {
            return; // moved already
        }
        long target = leader != 0 && channels.containsKey(leader) ? leader : next(node);
        if (target != node) {
            closeStream();
            streamNode = target;
        }
    }

    private void broken(long node) {
        synchronized (this) {
            if (streamNode != node) {
                return;
            }
            stream = null;
            streamNode = next(node);
        }
        channel(node).resetConnectBackoff();
        leases.values().forEach(lease -> {
            synchronized (lease) { // not under this client's lock: a lease's lock is always taken first
                lease.lastSent = 0;
            }
        });
    }

    private synchronized void closeStream() {
        if (stream != null) {
            try {
                stream.onCompleted();
            } catch (RuntimeException e) {
                // already broken
            }
            stream = null;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        closeStream();
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
