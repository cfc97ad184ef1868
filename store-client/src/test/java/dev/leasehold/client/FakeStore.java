package dev.leasehold.client;

import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.NotApplied;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a store node in client and CLI tests: the KV and Cluster services over a map, on a real gRPC
 * server on 127.0.0.1. It counts calls, and can be told to fail every call with a given status. A key named
 * {@code invalid} is refused with {@code INVALID_ARGUMENT}, the way a node refuses an oversized key.
 */
public final class FakeStore implements AutoCloseable {

    public static final String INVALID_KEY = "invalid";

    private final Map<String, String> data = new TreeMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Status failure;
    private volatile Metadata failureTrailers;
    private volatile StatusResponse status = StatusResponse.getDefaultInstance();
    private final Server server;

    private FakeStore() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new Kv())
                .addService(new Cluster())
                .build()
                .start();
    }

    public static FakeStore start() {
        try {
            return new FakeStore();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An endpoint on 127.0.0.1 where nothing listens (a port that was free a moment ago). */
    public static Endpoint unusedEndpoint() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new Endpoint("127.0.0.1", socket.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Endpoint endpoint() {
        return new Endpoint("127.0.0.1", server.getPort());
    }

    public int calls() {
        return calls.get();
    }

    /** Fails every later call with this status. */
    public FakeStore failEveryCallWith(Status status) {
        this.failure = status;
        this.failureTrailers = null;
        return this;
    }

    /** Fails every call as a node does for a request it certainly did not apply. */
    public FakeStore failEveryCallAsNotApplied(Status status) {
        this.failure = status;
        this.failureTrailers = NotApplied.trailers();
        return this;
    }

    public FakeStore answerStatusWith(StatusResponse response) {
        this.status = response;
        return this;
    }

    public synchronized FakeStore put(String key, String value) {
        data.put(key, value);
        return this;
    }

    @Override
    public void close() {
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts the call; true if it was failed (or refused) and must not be answered. */
    private boolean failed(StreamObserver<?> observer, ByteString key) {
        calls.incrementAndGet();
        Status f = failure;
        if (f == null && key.toStringUtf8().equals(INVALID_KEY)) {
            f = Status.INVALID_ARGUMENT.withDescription("key 'invalid' is not allowed here");
        }
        if (f != null) {
            Metadata trailers = failure != null ? failureTrailers : null;
            observer.onError(trailers == null ? f.asRuntimeException() : f.asRuntimeException(trailers));
            return true;
        }
        return false;
    }

    private static <T> void reply(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .build();
    }

    private final class Kv extends KVGrpc.KVImplBase {
        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> observer) {
            if (!failed(observer, request.getKey())) {
                synchronized (FakeStore.this) {
                    data.put(request.getKey().toStringUtf8(), request.getValue().toStringUtf8());
                }
                reply(observer, PutResponse.getDefaultInstance());
            }
        }

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> observer) {
            if (!failed(observer, request.getKey())) {
                String value;
                synchronized (FakeStore.this) {
                    value = data.get(request.getKey().toStringUtf8());
                }
                GetResponse.Builder b = GetResponse.newBuilder().setFound(value != null);
                if (value != null) {
                    b.setKv(kv(request.getKey().toStringUtf8(), value));
                }
                reply(observer, b.build());
            }
        }

        @Override
        public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
            if (!failed(observer, request.getKey())) {
                String previous;
                synchronized (FakeStore.this) {
                    previous = data.remove(request.getKey().toStringUtf8());
                }
                reply(observer, DeleteResponse.newBuilder().setDeleted(previous == null ? 0 : 1).build());
            }
        }

        @Override
        public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
            if (!failed(observer, request.getPrefix())) {
                String prefix = request.getPrefix().toStringUtf8();
                long limit = request.getLimit() == 0 ? Long.MAX_VALUE : request.getLimit();
                RangeResponse.Builder b = RangeResponse.newBuilder();
                synchronized (FakeStore.this) {
                    for (Map.Entry<String, String> e : data.entrySet()) {
                        if (e.getKey().startsWith(prefix)) {
                            if (b.getKvsCount() == limit) {
                                b.setMore(true);
                                break;
                            }
                            b.addKvs(kv(e.getKey(), e.getValue()));
                        }
                    }
                }
                reply(observer, b.build());
            }
        }
    }

    private final class Cluster extends ClusterGrpc.ClusterImplBase {
        @Override
        public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
            if (!failed(observer, ByteString.EMPTY)) {
                reply(observer, status);
            }
        }
    }
}
