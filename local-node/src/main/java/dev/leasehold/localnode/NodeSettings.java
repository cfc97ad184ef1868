package dev.leasehold.localnode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What one local node is.
 *
 * @param name           the Node's name (and its {@code kubernetes.io/hostname} label)
 * @param dataRoot       where its volumes, Pod directories and Pod addresses live
 * @param heartbeat      how often it reports its status and renews its Lease (a kubelet: 10 s)
 * @param launchers      the images it can run, by repository
 * @param restartBackoff the first wait before a crashed container restarts, doubled on every crash up to 5 minutes
 *                       (a kubelet: 10 s)
 * @param subnetLocks    the machine-wide directory where local nodes claim their loopback /16s
 */
public record NodeSettings(String name, Path dataRoot, Duration heartbeat, Map<String, Launcher> launchers,
                           Duration restartBackoff, Path subnetLocks) {

    /** Where nodes claim their subnets unless told otherwise: beside the test binaries, in the user's cache. */
    public static final Path DEFAULT_SUBNET_LOCKS = Path.of(System.getProperty("user.home"), ".cache", "leasehold",
            "local-node", "subnets");

    public NodeSettings {
        if (name == null || !name.matches("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("node name must be a DNS label such as leasehold-local, was '" + name
                    + "'");
        }
        if (dataRoot == null) {
            throw new IllegalArgumentException("data root is required");
        }
        if (heartbeat == null || heartbeat.isNegative() || heartbeat.isZero() || heartbeat.toSeconds() > 20) {
            throw new IllegalArgumentException("heartbeat must be between 1 ms and 20 s (the Lease lasts 40 s), was "
                    + heartbeat);
        }
        if (restartBackoff == null || restartBackoff.isNegative() || restartBackoff.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("restart back-off must be between 0 and 5 minutes, was "
                    + restartBackoff);
        }
        dataRoot = dataRoot.toAbsolutePath().normalize();
        launchers = Map.copyOf(launchers);
        subnetLocks = subnetLocks.toAbsolutePath().normalize();
    }

    /** A node that runs no images yet, with a kubelet's restart back-off. */
    public NodeSettings(String name, Path dataRoot, Duration heartbeat) {
        this(name, dataRoot, heartbeat, Map.of(), Duration.ofSeconds(10), DEFAULT_SUBNET_LOCKS);
    }

    /** The same node, running these images. */
    public NodeSettings withLaunchers(List<Launcher> list) {
        return new NodeSettings(name, dataRoot, heartbeat,
                list.stream().collect(Collectors.toMap(Launcher::repository, Function.identity())), restartBackoff,
                subnetLocks);
    }

    /** The same node, with another first restart back-off. */
    public NodeSettings withRestartBackoff(Duration backoff) {
        return new NodeSettings(name, dataRoot, heartbeat, launchers, backoff, subnetLocks);
    }
}
