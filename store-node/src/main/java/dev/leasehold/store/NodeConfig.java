package dev.leasehold.store;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How one store node runs. Built by {@link StoreNodeMain} from flags and environment variables; every problem is
 * reported naming the setting.
 *
 * @param id                this node's Raft id
 * @param listen            where the gRPC server listens (all interfaces by default)
 * @param advertise         the host:port other nodes and clients reach this node at
 * @param initialMembers    the members of a new cluster (id → host:port), used to bootstrap an empty data
 *                          directory and as the peers' addresses until the replicated state records them
 * @param join              never bootstrap: an empty node waits to be added to an existing cluster
 * @param dataDir           where the Raft log, the state machine and snapshots live
 * @param metricsListen     where the Prometheus endpoint listens, if at all
 * @param tick              the Raft tick
 * @param electionTicks     election timeout in ticks
 * @param heartbeatTicks    heartbeat interval in ticks
 * @param snapshotThreshold entries applied since the last snapshot before the log is compacted behind a new one
 * @param requestTimeout    how long a client request may wait for its write or read to complete
 * @param faultInjection    serve the test-only {@code Faults} service, which can cut this node off from its peers
 */
public record NodeConfig(long id, InetSocketAddress listen, String advertise, SortedMap<Long, String> initialMembers,
                         boolean join, Path dataDir, Optional<InetSocketAddress> metricsListen, Duration tick, int electionTicks,
                         int heartbeatTicks, long snapshotThreshold, Duration requestTimeout,
                         boolean faultInjection) {

    public NodeConfig {
        initialMembers = new TreeMap<>(initialMembers);
        if (id <= 0) {
            throw new IllegalArgumentException("--id must be a positive node id, was " + id);
        }
        if (!join && !initialMembers.isEmpty() && !initialMembers.containsKey(id)) {
            throw new IllegalArgumentException("--peers does not name this node's id " + id + " (use --join to add a node to an existing cluster): "
                    + initialMembers);
        }
        if (tick.isNegative() || tick.isZero()) {
            throw new IllegalArgumentException("--tick must be positive, was " + tick);
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("--heartbeat-ticks must be positive, was " + heartbeatTicks);
        }
        if (electionTicks < 5 * heartbeatTicks) {
            throw new IllegalArgumentException("--election-ticks must be at least 5 x --heartbeat-ticks, was "
                    + electionTicks + " with heartbeat " + heartbeatTicks);
        }
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("--snapshot-threshold must be positive, was " + snapshotThreshold);
        }
    }

    /** The defaults for a node with the given identity and addresses. */
    public static NodeConfig of(long id, InetSocketAddress listen, String advertise, Map<Long, String> members,
                                Path dataDir) {
        return new NodeConfig(id, listen, advertise, new TreeMap<>(members), false, dataDir, Optional.empty(),
                Duration.ofMillis(100), 10, 1, 10_000, Duration.ofSeconds(10), false);
    }

    public NodeConfig withTiming(Duration newTick, int newElectionTicks, int newHeartbeatTicks) {
        return new NodeConfig(id, listen, advertise, initialMembers, join, dataDir, metricsListen, newTick,
                newElectionTicks, newHeartbeatTicks, snapshotThreshold, requestTimeout, faultInjection);
    }

    public NodeConfig joining() {
        return new NodeConfig(id, listen, advertise, initialMembers, true, dataDir, metricsListen, tick, electionTicks,
                heartbeatTicks, snapshotThreshold, requestTimeout, faultInjection);
    }

    public NodeConfig withSnapshotThreshold(long entries) {
        return new NodeConfig(id, listen, advertise, initialMembers, join, dataDir, metricsListen, tick, electionTicks,
                heartbeatTicks, entries, requestTimeout, faultInjection);
    }

    public NodeConfig withMetrics(InetSocketAddress address) {
        return new NodeConfig(id, listen, advertise, initialMembers, join, dataDir, Optional.of(address), tick,
                electionTicks, heartbeatTicks, snapshotThreshold, requestTimeout, faultInjection);
    }

    /** The same, serving the test-only {@code Faults} service. */
    public NodeConfig withFaultInjection() {
        return new NodeConfig(id, listen, advertise, initialMembers, join, dataDir, metricsListen, tick,
                electionTicks, heartbeatTicks, snapshotThreshold, requestTimeout, true);
    }
}
