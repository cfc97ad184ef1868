package dev.leasehold.localnode;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one local node is.
 *
 * @param name      the Node's name (and its {@code kubernetes.io/hostname} label)
 * @param dataRoot  where its volumes live, one directory per claim
 * @param heartbeat how often it reports its status and renews its Lease (a kubelet: 10 s)
 */
public record NodeSettings(String name, Path dataRoot, Duration heartbeat) {

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
        dataRoot = dataRoot.toAbsolutePath().normalize();
    }
}
