package dev.leasehold.store.api;

import dev.leasehold.api.v1.NotApplied;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * Forwards requests from a follower to the leader, once: a forwarded request carries a header, and a node that
 * receives one but does not lead answers UNAVAILABLE instead of forwarding again.
 */
public final class Forwarding implements AutoCloseable {

    private static final Metadata.Key<String> FORWARDED =
            Metadata.Key.of("leasehold-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> WAS_FORWARDED = Context.key("leasehold-was-forwarded");

    private final String self;
    private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public Forwarding(long selfId) {
        this.self = Long.toString(selfId);
    }

    /** A channel to {@code address} whose calls are marked as forwarded. */
    public Channel to(String address) {
        ManagedChannel channel = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a)
                .usePlaintext().maxInboundMessageSize(16 << 20).build());
        return io.grpc.ClientInterceptors.intercept(channel, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        headers.put(FORWARDED, self);
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                // the leader could not be reached: the request never got there
                                if (status.getCode() == Status.Code.UNAVAILABLE
                                        && NotApplied.neverSent(status.getCause())) {
                                    trailers.merge(NotApplied.trailers());
                                }
                                super.onClose(status, trailers);
                            }
                        }, headers);
                    }
                };
            }
        });
    }

    /** Whether the request being served was forwarded by another node. */
    public static boolean currentRequestWasForwarded() {
        return Boolean.TRUE.equals(WAS_FORWARDED.get());
    }

    /** Marks forwarded requests so that handlers can tell. */
    public static ServerInterceptor serverInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                Context ctx = Context.current().withValue(WAS_FORWARDED, headers.containsKey(FORWARDED));
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        };
    }

    /**
     * Fault injection: refuses (UNAVAILABLE) every request forwarded by a peer that {@code cut} names, as a
     * partition between the two nodes would.
     */
    public static ServerInterceptor refusingForwardsFrom(LongPredicate cut) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String by = headers.get(FORWARDED);
                if (by != null && by.chars().allMatch(Character::isDigit) && cut.test(Long.parseLong(by))) {
                    call.close(Status.UNAVAILABLE.withDescription("this node is cut off from node " + by
                            + " (fault injection); retry"), NotApplied.trailers());
                    return new ServerCall.Listener<>() {
                    };
                }
                return next.startCall(call, headers);
            }
        };
    }

    /** Fails every forwarded call open to {@code address} with UNAVAILABLE (fault injection cut it off). */
    public void disconnect(String address) {
        ManagedChannel channel = channels.remove(address);
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
            try {
                c.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }
}
