package dev.leasehold.store;

import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.Role;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A cluster of store nodes inside the test JVM, on 127.0.0.1, with real RocksDB and gRPC.
 *
 * <p>Public, and shipped in the store node's test-jar, so that the client's tests run against real nodes.
 */
public final class InJvmCluster implements AutoCloseable {

    final Path root;
    final TreeMap<Long, String> addresses = new TreeMap<>();
    final Map<Long, StoreNode> nodes = new ConcurrentHashMap<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final List<Throwable> fatal = new ArrayList<>();
    long snapshotThreshold = 10_000;
    private boolean faultInjection;

    public InJvmCluster(Path root, int size) {
        this.root = root;
        for (long id = 1; id <= size; id++) {
            addresses.put(id, "127.0.0.1:" + freePort());
        }
    }

    /** A cluster on the given addresses (node i+1 on the i-th), such as another cluster's after it stopped. */
    public InJvmCluster(Path root, List<String> addresses) {
        this.root = root;
        for (int i = 0; i < addresses.size(); i++) {
            this.addresses.put(i + 1L, addresses.get(i));
        }
    }

    /** The client endpoints of all nodes, running or not, as {@code host:port}, in id order. */
    public List<String> addresses() {
        return List.copyOf(addresses.values());
    }

    static int freePort() {
        return FreePorts.next();
    }

    /** Nodes started from now on serve the test-only {@code Faults} service (--fault-injection). */
    public InJvmCluster withFaultInjection() {
        faultInjection = true;
        return this;
    }

    NodeConfig config(long id) {
        String address = addresses.get(id);
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        NodeConfig config = NodeConfig.of(id, new InetSocketAddress("127.0.0.1", port), address, addresses,
                        root.resolve("node-" + id))
                .withTiming(Duration.ofMillis(50), 10, 1).withSnapshotThreshold(snapshotThreshold);
        return faultInjection ? config.withFaultInjection() : config;
    }

    public InJvmCluster startAll() throws IOException {
        for (long id : addresses.keySet()) {
            start(id);
        }
        return this;
    }

    public StoreNode start(long id) throws IOException {
        return start(config(id));
    }

    StoreNode start(NodeConfig config) throws IOException {
        StoreNode node = StoreNode.start(config, t -> {
            synchronized (fatal) {
                fatal.add(t);
            }
        });
        nodes.put(config.id(), node);
        return node;
    }

    public void stop(long id) {
        StoreNode n = nodes.remove(id);
        if (n != null) {
            n.close();
        }
    }

    /** Waits until the running nodes agree on one leader that has applied the cluster's id, and returns its id. */
    public long awaitLeader() {
        long[] leader = new long[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            long seen = RaftNode.NONE;
            for (StoreNode n : nodes.values()) {
                var s = n.driver().status();
                if (s.role() == Role.LEADER) {
                    seen = s.id();
                }
            }
            if (seen == RaftNode.NONE) {
                return false;
            }
            for (StoreNode n : nodes.values()) {
                if (n.driver().status().leader() != seen) {
                    return false;
                }
            }
            if (nodes.get(seen).stateMachine().clusterId().isEmpty()) {
                return false; // a new cluster grants no session before its first leader has named it
            }
            leader[0] = seen;
            return true;
        });
        return leader[0];
    }

    ManagedChannel channel(long id) {
        return channels.computeIfAbsent(addresses.get(id),
                a -> NettyChannelBuilder.forTarget(a).usePlaintext().build());
    }

    KVGrpc.KVBlockingStub kv(long id) {
        return KVGrpc.newBlockingStub(channel(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    ClusterGrpc.ClusterBlockingStub cluster(long id) {
        return ClusterGrpc.newBlockingStub(channel(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    StatusResponse status(long id) {
        return cluster(id).status(StatusRequest.getDefaultInstance());
    }

    public List<Throwable> fatalErrors() {
        synchronized (fatal) {
            return List.copyOf(fatal);
        }
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        nodes.values().forEach(StoreNode::close);
        nodes.clear();
    }
}
