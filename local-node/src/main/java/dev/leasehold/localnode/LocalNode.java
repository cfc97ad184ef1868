package dev.leasehold.localnode;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Kubernetes node without a container runtime, for the project's own images: it registers a Node and keeps it
 * Ready with a heartbeat, and provisions the volumes of the Pods scheduled to it. Closing it stops the heartbeat and
 * the informers; the Node object stays, as a stopped kubelet's does, and goes NotReady once its Lease runs out.
 */
public final class LocalNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalNode.class.getName());

    private final NodeHeartbeat heartbeat;
    private final VolumeProvisioner volumes;
    private final ScheduledExecutorService timer;

    private LocalNode(KubernetesClient client, NodeSettings settings) {
        this.heartbeat = new NodeHeartbeat(client, settings, Clock.systemUTC());
        this.volumes = new VolumeProvisioner(client, settings);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "node-heartbeat-" + settings.name());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Registers the node and starts its heartbeat and provisioner; returns once the Node is Ready. */
    public static LocalNode start(KubernetesClient client, NodeSettings settings) {
        LocalNode node = new LocalNode(client, settings);
        try {
            node.heartbeat.register();
            node.volumes.start();
            long period = settings.heartbeat().toMillis();
            node.timer.scheduleWithFixedDelay(node::beatOnce, period, period, TimeUnit.MILLISECONDS);
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void beatOnce() {
        try {
            heartbeat.beat();
        } catch (RuntimeException e) {
            // the next beat tries again; the Lease outlasts at least two heartbeats
            LOG.log(Level.WARNING, "heartbeat failed", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        volumes.close();
    }
}
