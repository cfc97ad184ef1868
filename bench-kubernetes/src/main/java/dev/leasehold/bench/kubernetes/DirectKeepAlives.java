package dev.leasehold.bench.kubernetes;

import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.SessionGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps many {@code Direct}-mode sessions alive the cheap way a holder fleet would: one keep-alive stream per store
 * member carrying all of them, every period (the members that do not lead answer NOT_LEADER, which is ignored).
 */
final class DirectKeepAlives implements AutoCloseable {

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<StreamObserver<KeepAliveRequest>> streams = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private long sequence;

    DirectKeepAlives(List<String> endpoints, List<Long> sessions, long periodMillis) {
        for (String endpoint : endpoints) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
            channels.add(channel);
            streams.add(SessionGrpc.newStub(channel).keepAlive(new StreamObserver<>() {
                @Override
                public void onNext(KeepAliveResponse value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            }));
        }
        timer.scheduleAtFixedRate(() -> {
            sequence++;
            for (StreamObserver<KeepAliveRequest> stream : streams) {
                synchronized (stream) {
                    sessions.forEach(s -> stream.onNext(KeepAliveRequest.newBuilder().setSessionId(s)
                            .setSequence(sequence).build()));
                }
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        streams.forEach(s -> {
            synchronized (s) {
                s.onCompleted();
            }
        });
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
