package dev.leasehold.client;

import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
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
 * <p>A write retried after its connection broke may be applied twice; puts and deletes are idempotent in value,
 * though each application is a new revision.
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
    private final Duration timeout;
    private final AtomicInteger preferred = new AtomicInteger();

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
        this.channels = this.endpoints.stream()
                .map(e -> Grpc.newChannelBuilderForAddress(e.host(), e.port(), InsecureChannelCredentials.create())
                        .userAgent("leasehold-client")
                        .build())
                .toList();
    }

    /** The endpoints this client tries, in order. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** How long each call may take, retries included. */
    public Duration timeout() {
        return timeout;
    }

    /** Sets a key to a value. */
    public PutResponse put(PutRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.put(request));
    }

    /** Reads one key; {@link GetResponse#getFound()} says whether it exists. */
    public GetResponse get(GetRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.get(request));
    }

    /** Deletes one key; {@link DeleteResponse#getDeleted()} is 1 if it existed. */
    public DeleteResponse delete(DeleteRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.delete(request));
    }

    /** Reads the keys with a prefix, in byte order, one page at a time. */
    public RangeResponse range(RangeRequest request) {
        return call(KVGrpc::newBlockingStub, stub -> stub.range(request));
    }

    /** The Raft status and membership as seen by whichever node answers. */
    public StatusResponse status() {
        return call(ClusterGrpc::newBlockingStub, stub -> stub.status(StatusRequest.getDefaultInstance()));
    }

    private <S extends AbstractStub<S>, R> R call(Function<Channel, S> newStub, Function<S, R> rpc) {
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
                boolean unreachable = isConnectionFailure(e);
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

    /** Whether the call failed because no connection could be made (rather than an answer from a node). */
    private static boolean isConnectionFailure(StatusRuntimeException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Closes the connections; calls still running fail with {@code UNAVAILABLE}. */
    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        try {
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
