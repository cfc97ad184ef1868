package dev.leasehold.localnode;

import dev.leasehold.api.v1.ClusterGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** The Cluster API of one store node, for tests that act as an administrator would. */
final class ClusterApi implements AutoCloseable {

    private final ManagedChannel channel;

    ClusterApi(String host, int port) {
        channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    }

    ClusterGrpc.ClusterBlockingStub stub() {
        return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
