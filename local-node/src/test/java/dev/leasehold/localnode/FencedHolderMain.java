package dev.leasehold.localnode;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.kubernetes.LeaseClaim;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A holder, as a process of its own, that claims a lock with {@link LeaseClaim} and then writes a key guarded by
 * its fencing token every 100 ms — on purpose without asking whether it still holds the lock, as a process paused
 * in the middle of its work would. Prints {@code HELD token}, then {@code ACCEPTED i} or {@code REFUSED i CODE} per
 * write, and {@code LOST why} when the helper gives the claim up.
 *
 * <p>Arguments: kubeconfig, namespace, claim, store, lock, TTL seconds, one store endpoint (host:port).
 */
public final class FencedHolderMain {

    private FencedHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        String namespace = args[1];
        String lock = args[4];
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(Path.of(args[0])))).build();
        LeaseClaim claim = LeaseClaim.builder(client).namespace(namespace).name(args[2]).store(args[3]).lock(lock)
                .holder(args[2] + "-pod").ttl(Duration.ofSeconds(Integer.parseInt(args[5]))).create();
        long token = claim.awaitHeld(Duration.ofMinutes(1));
        System.out.println("HELD " + token);
        claim.lost().thenAccept(why -> System.out.println("LOST " + why));
        ManagedChannel channel = NettyChannelBuilder.forTarget(args[6]).usePlaintext().build();
        Fence fence = Fence.newBuilder().setLock(namespace + "/" + lock).setToken(token).build();
        for (int i = 0; ; i++) {
            try {
                KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("fenced/" + lock)).setValue(ByteString.copyFromUtf8("w-" + i))
                        .setFence(fence).build());
                System.out.println("ACCEPTED " + i);
            } catch (StatusRuntimeException e) {
                System.out.println("REFUSED " + i + " " + Status.fromThrowable(e).getCode());
            }
            Thread.sleep(100);
        }
    }
}
