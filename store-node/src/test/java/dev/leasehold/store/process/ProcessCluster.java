package dev.leasehold.store.process;

import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.store.FreePorts;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A cluster of {@link NodeProcess}es on 127.0.0.1 with free ports: data under the test's temporary directory, logs
 * under {@code target/process-it/<test>/} so that they outlive a failed test. {@link #close()} kills every node it
 * started, whatever happened in the test.
 */
public final class ProcessCluster implements AutoCloseable {

    /** Generous bound for anything that needs an election or a catch-up on a busy two-core machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path dataRoot;
    private final Path logRoot;
    private final TreeMap<Long, NodeProcess> nodes = new TreeMap<>();
    private final TreeMap<Long, String> initialMembers = new TreeMap<>();
    private final List<NodeProcess> twins = new ArrayList<>();
    private final List<String> clusterFlags;

    private ProcessCluster(Path dataRoot, Path logRoot, List<String> clusterFlags) {
        this.dataRoot = dataRoot;
        this.logRoot = logRoot;
        this.clusterFlags = List.copyOf(clusterFlags);
    }

    /** Settings of a cluster to start. */
    public static final class Builder {
        private final Path dataRoot;
        private final String testName;
        private int size = 3;
        private long snapshotThreshold = 10_000;
        private boolean faultInjection;

        private Builder(Path dataRoot, String testName) {
            this.dataRoot = dataRoot;
            this.testName = testName;
        }

        public Builder size(int nodes) {
            this.size = nodes;
            return this;
        }

        public Builder snapshotThreshold(long entries) {
            this.snapshotThreshold = entries;
            return this;
        }

        /** Starts every node with {@code --fault-injection}, so that tests can cut it off from its peers. */
        public Builder faultInjection() {
            this.faultInjection = true;
            return this;
        }

        /** Creates the nodes without starting them. */
        public ProcessCluster build() {
            Path logs = Path.of("target", "process-it", testName).toAbsolutePath();
            deleteRecursively(logs); // the logs of an earlier run of the same test
            // an election timeout of 1 s rather than 0.5 s: five JVMs share two cores, and a node starved for a few
            // hundred milliseconds should not start an election on its own
            List<String> flags = new ArrayList<>(List.of("--tick=50ms", "--election-ticks=20", "--heartbeat-ticks=2",
                    "--request-timeout=5s", "--snapshot-threshold=" + snapshotThreshold));
            if (faultInjection) {
                flags.add("--fault-injection");
            }
            ProcessCluster cluster = new ProcessCluster(dataRoot, logs, flags);
            for (long id = 1; id <= size; id++) {
                cluster.initialMembers.put(id, "127.0.0.1:" + freePort());
            }
            for (long id : cluster.initialMembers.keySet()) {
                cluster.nodes.put(id, cluster.newNode(id, cluster.initialMembers.get(id), cluster.initialMembers,
                        false));
            }
            return cluster;
        }

        /** Creates and starts every node, and waits until they agree on a leader. */
        public ProcessCluster start() {
            ProcessCluster cluster = build();
            try {
                cluster.startAll();
                return cluster;
            } catch (RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
        }
    }

    /**
     * @param dataRoot the test's temporary directory
     * @param testName names the directory of the logs: use the test class and method
     */
    public static Builder builder(Path dataRoot, String testName) {
        return new Builder(dataRoot, testName);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + dir, e);
        }
    }

    static int freePort() {
        return FreePorts.next();
    }

    private NodeProcess newNode(long id, String address, Map<Long, String> peers, boolean join) {
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        List<String> flags = new ArrayList<>(clusterFlags);
        flags.add("--peers=" + peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(",")));
        if (join) {
            flags.add("--join");
        }
        return new NodeProcess(id, port, freePort(), dataRoot.resolve("node-" + id),
                logRoot.resolve("node-" + id + ".log"), flags);
    }

    public ProcessCluster startAll() {
        for (NodeProcess n : nodes.values()) {
            if (!n.isRunning()) {
                n.start();
            }
        }
        for (NodeProcess n : nodes.values()) {
            n.awaitUp(PATIENCE);
        }
        awaitLeader();
        return this;
    }

    /**
     * Creates (without starting) a node that joins the running cluster: {@code --join}, with the current members'
     * addresses and its own as {@code --peers}.
     */
    public NodeProcess newJoiningNode(long id) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " exists");
        }
        TreeMap<Long, String> peers = new TreeMap<>();
        nodes.values().stream().filter(NodeProcess::isRunning).forEach(n -> peers.put(n.id(), n.address()));
        String address = "127.0.0.1:" + freePort();
        peers.put(id, address);
        NodeProcess node = newNode(id, address, peers, true);
        nodes.put(id, node);
        return node;
    }

    /**
     * A node like {@code id} (same id, ports and flags) on another data directory, such as a damaged copy of the
     * node's own; it logs to {@code node-ID.LABEL.log}. Never run it beside the original.
     */
    public NodeProcess twin(long id, Path dataDir, String label) {
        NodeProcess twin = node(id).twin(dataDir, logRoot.resolve("node-" + id + "." + label + ".log"));
        synchronized (twins) {
            twins.add(twin);
        }
        return twin;
    }

    /** SIGKILL to every running node at once (the signals go out before waiting for any process to end). */
    public void kill9All() {
        List<NodeProcess> running = nodes.values().stream().filter(NodeProcess::isRunning).toList();
        running.forEach(NodeProcess::sendSigkill);
        running.forEach(NodeProcess::kill9);
    }

    public NodeProcess node(long id) {
        NodeProcess n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return n;
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes.values());
    }

    /** The nodes that run and are not paused. */
    public List<NodeProcess> serving() {
        return nodes.values().stream().filter(NodeProcess::isServing).toList();
    }

    /**
     * Waits until every serving node names the same leader, which itself says it leads, and returns it. Nodes
     * that are not (yet or any more) members are left out: pass them in {@code ignoring}.
     */
    public NodeProcess awaitLeader(long... ignoring) {
        Set<Long> ignored = new HashSet<>();
        for (long id : ignoring) {
            ignored.add(id);
        }
        AtomicReference<NodeProcess> leader = new AtomicReference<>();
        await("the serving nodes agree on one leader", PATIENCE, () -> {
            long seen = 0;
            long term = -1;
            for (NodeProcess n : serving()) {
                if (ignored.contains(n.id())) {
                    continue;
                }
                StatusResponse s;
                try {
                    s = n.status(Duration.ofSeconds(2));
                } catch (StatusRuntimeException e) {
                    return false;
                }
                if (s.getLeader() == 0 || (seen != 0 && s.getLeader() != seen) || (term >= 0 && s.getTerm() != term)) {
                    return false;
                }
                seen = s.getLeader();
                term = s.getTerm();
            }
            NodeProcess candidate = nodes.get(seen);
            if (candidate == null || !candidate.isServing()) {
                return false;
            }
            StatusResponse status = candidate.status(Duration.ofSeconds(2));
            // a new cluster grants no session before its first leader has named it
            if (!"LEADER".equals(status.getRole()) || status.getClusterId().isEmpty()) {
                return false;
            }
            leader.set(candidate);
            return true;
        });
        return leader.get();
    }

    /** The leader's view of the membership: id → member. */
    public Map<Long, Member> members(StatusResponse leaderStatus) {
        TreeMap<Long, Member> m = new TreeMap<>();
        leaderStatus.getMembersList().forEach(member -> m.put(member.getId(), member));
        return m;
    }

    /**
     * Awaits {@code condition}, polling every 100 ms for at most {@code atMost}; exceptions count as "not yet". A
     * timeout fails with the tails of every node's log.
     */
    public void await(String what, Duration atMost, Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + logTails(), e);
        }
    }

    /** Retries an idempotent call (a read, a Status) while the cluster answers UNAVAILABLE or DEADLINE_EXCEEDED. */
    public static <T> T retrying(Duration atMost, Callable<T> call) {
        long deadline = System.nanoTime() + atMost.toNanos();
        long backoff = 20;
        while (true) {
            try {
                return call.call();
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
                if (!retryable || System.nanoTime() > deadline) {
                    throw e;
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(backoff); // pacing between attempts, not a wait for a condition
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ie);
            }
            backoff = Math.min(500, backoff * 2);
        }
    }

    /** The tails of every node's log, for assertion messages. */
    public String logTails() {
        StringBuilder b = new StringBuilder("\nlogs of the nodes:\n");
        for (NodeProcess n : nodes.values()) {
            b.append(n.logTail(30));
        }
        return b.toString();
    }

    /** Kills every node (SIGKILL) and closes the clients. */
    @Override
    public void close() {
        List<NodeProcess> all = new ArrayList<>(nodes.values());
        synchronized (twins) {
            all.addAll(twins);
        }
        for (NodeProcess n : all) {
            try {
                n.close();
            } catch (RuntimeException e) {
                // keep going: every other node must still be killed
                e.printStackTrace();
            }
        }
    }
}
