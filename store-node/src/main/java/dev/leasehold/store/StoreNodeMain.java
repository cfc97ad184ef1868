package dev.leasehold.store;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one store node. Every flag has an environment variable, so that a StatefulSet can configure a node from
 * its Pod spec (node id from the Pod's ordinal and the data directory, listen and advertised addresses, paths).
 */
@Command(name = "leasehold-node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs one Leasehold store node.")
public final class StoreNodeMain implements Callable<Integer> {

    private static final Pattern ORDINAL = Pattern.compile("^(.*)-(\\d+)$");

    @Option(names = "--id", defaultValue = "${env:LEASEHOLD_ID}",
            description = "Raft id of this node (env LEASEHOLD_ID); with --pod-name and a static peer list the Pod "
                    + "ordinal + 1, with --pod-name alone an id for this incarnation, minted on first start and kept "
                    + "in the data directory")
    Long id;

    @Option(names = "--pod-name", defaultValue = "${env:LEASEHOLD_POD_NAME}",
            description = "StatefulSet Pod name such as leasehold-2 (env LEASEHOLD_POD_NAME)")
    String podName;

    @Option(names = "--listen", defaultValue = "${env:LEASEHOLD_LISTEN:-0.0.0.0:7001}",
            description = "host:port of the gRPC server (env LEASEHOLD_LISTEN, default ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--advertise", defaultValue = "${env:LEASEHOLD_ADVERTISE}",
            description = "host:port other nodes reach this one at (env LEASEHOLD_ADVERTISE)")
    String advertise;

    @Option(names = "--peers", defaultValue = "${env:LEASEHOLD_PEERS}",
            description = "initial members as id=host:port,... (env LEASEHOLD_PEERS)")
    String peers;

    @Option(names = "--peer-service", defaultValue = "${env:LEASEHOLD_PEER_SERVICE}",
            description = "headless Service of the StatefulSet; with --replicas and --pod-name gives the peers "
                    + "(env LEASEHOLD_PEER_SERVICE)")
    String peerService;

    @Option(names = "--replicas", defaultValue = "${env:LEASEHOLD_REPLICAS}",
            description = "initial number of members, with --peer-service (env LEASEHOLD_REPLICAS)")
    Integer replicas;

    @Option(names = "--join", defaultValue = "${env:LEASEHOLD_JOIN:-false}",
            description = "never bootstrap: wait to be added to an existing cluster (env LEASEHOLD_JOIN)")
    boolean join;

    @Option(names = "--data-dir", defaultValue = "${env:LEASEHOLD_DATA_DIR}",
            description = "directory of the log, state and snapshots (env LEASEHOLD_DATA_DIR)")
    Path dataDir;

    @Option(names = "--metrics-listen", defaultValue = "${env:LEASEHOLD_METRICS_LISTEN}",
            description = "host:port of the Prometheus endpoint /metrics (env LEASEHOLD_METRICS_LISTEN)")
    String metricsListen;

    @Option(names = "--tick", defaultValue = "${env:LEASEHOLD_TICK:-100ms}",
            description = "Raft tick (env LEASEHOLD_TICK, default ${DEFAULT-VALUE})")
    String tick;

    @Option(names = "--election-ticks", defaultValue = "${env:LEASEHOLD_ELECTION_TICKS:-10}",
            description = "election timeout in ticks (env LEASEHOLD_ELECTION_TICKS, default ${DEFAULT-VALUE})")
    int electionTicks;

    @Option(names = "--heartbeat-ticks", defaultValue = "${env:LEASEHOLD_HEARTBEAT_TICKS:-1}",
            description = "heartbeat interval in ticks (env LEASEHOLD_HEARTBEAT_TICKS, default ${DEFAULT-VALUE})")
    int heartbeatTicks;

    @Option(names = "--snapshot-threshold", defaultValue = "${env:LEASEHOLD_SNAPSHOT_THRESHOLD:-10000}",
            description = "entries applied before the log is compacted behind a snapshot "
                    + "(env LEASEHOLD_SNAPSHOT_THRESHOLD, default ${DEFAULT-VALUE})")
    long snapshotThreshold;

    @Option(names = "--request-timeout", defaultValue = "${env:LEASEHOLD_REQUEST_TIMEOUT:-10s}",
            description = "how long a request may wait for the cluster (env LEASEHOLD_REQUEST_TIMEOUT, "
                    + "default ${DEFAULT-VALUE})")
    String requestTimeout;

    @Option(names = "--fault-injection", defaultValue = "${env:LEASEHOLD_FAULT_INJECTION:-false}",
            description = "for tests only: serve the Faults service, which can cut this node off from its peers "
                    + "(env LEASEHOLD_FAULT_INJECTION)")
    boolean faultInjection;

    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreNodeMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        NodeConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            System.err.println("leasehold-node: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        StoreNode node;
        try {
            node = StoreNode.start(config, fatal -> {
                System.err.println("leasehold-node: fatal: " + fatal);
                Runtime.getRuntime().halt(70);
            });
        } catch (dev.leasehold.store.storage.StoreCorruptedException | IllegalStateException e) {
            System.err.println("leasehold-node: " + e.getMessage());
            return 3;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("leasehold-node " + config.id() + " listening on " + config.listen()
                + " (advertised as " + config.advertise() + ")"
                + (config.faultInjection() ? "; fault injection is ON (tests only)" : ""));
        stopped.await();
        return 0;
    }

    NodeConfig config() {
        Optional<Matcher> pod = Optional.ofNullable(podName).map(ORDINAL::matcher).filter(Matcher::matches);
        if (podName != null && pod.isEmpty()) {
            throw new IllegalArgumentException("--pod-name must end in -ORDINAL like leasehold-0, was " + podName);
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        if (id == null && pod.isEmpty()) {
            throw new IllegalArgumentException("--id (or --pod-name) is required");
        }
        InetSocketAddress listenAddress = bindAddress("--listen", listen);
        TreeMap<Long, String> members = new TreeMap<>();
        if (peers != null && !peers.isBlank()) {
            for (String part : peers.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("--peers entries must be id=host:port, got '" + part + "'");
                }
                long peerId;
                try {
                    peerId = Long.parseLong(kv[0].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--peers id must be a number, got '" + kv[0] + "'");
                }
                address("--peers", kv[1].trim());
                members.put(peerId, kv[1].trim());
            }
        } else if (peerService != null) {
            if (pod.isEmpty() || replicas == null || replicas < 1) {
                throw new IllegalArgumentException("--peer-service needs --pod-name and a positive --replicas");
            }
            String set = pod.get().group(1);
            for (int i = 0; i < replicas; i++) {
                members.put((long) i + 1, set + "-" + i + "." + peerService + ":" + listenAddress.getPort());
            }
        }
        long nodeId;
        if (id != null) {
            nodeId = id;
        } else if (!members.isEmpty()) {
            nodeId = Long.parseLong(pod.get().group(2)) + 1;
        } else {
            nodeId = NodeIdentity.loadOrMint(dataDir, Integer.parseInt(pod.get().group(2)), new SecureRandom());
        }
        String advertised = advertise;
        if (advertised == null || advertised.isBlank()) {
            advertised = members.getOrDefault(nodeId, listen);
        }
        address("--advertise", advertised);
        NodeConfig config = new NodeConfig(nodeId, listenAddress, advertised, members, join, dataDir,
                Optional.ofNullable(metricsListen).filter(s -> !s.isBlank()).map(s -> bindAddress("--metrics-listen", s)),
                duration("--tick", tick), electionTicks, heartbeatTicks, snapshotThreshold,
                duration("--request-timeout", requestTimeout), faultInjection);
        return config;
    }

    static InetSocketAddress address(String flag, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(flag + " must be host:port, was '" + value + "'");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " port must be a number, was '" + value + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + " port must be 0-65535, was " + port);
        }
        return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
    }

    static InetSocketAddress bindAddress(String flag, String value) {
        InetSocketAddress a = address(flag, value);
        InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
        if (resolved.isUnresolved()) {
            throw new IllegalArgumentException(flag + " host " + a.getHostString() + " does not resolve");
        }
        return resolved;
    }

    static Duration duration(String flag, String value) {
        Matcher m = Pattern.compile("^(\\d+)(ms|s|m)$").matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " must be a duration like 100ms, 10s or 2m, was '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }
}
