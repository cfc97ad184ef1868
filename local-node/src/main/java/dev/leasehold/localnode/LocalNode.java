package dev.leasehold.localnode;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Kubernetes node without a container runtime, for the project's own images: it registers a Node and keeps it
 * Ready with a heartbeat, provisions the volumes of the Pods scheduled to it, and runs those Pods as local processes
 * on addresses of a loopback /16 of its own, with a hosts file for cluster names. Closing it stops every Pod's
 * processes, the heartbeat and the informers; the Node object stays, as a stopped kubelet's does, and goes NotReady
 * once its Lease runs out.
 */
public final class LocalNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalNode.class.getName());

    private final NodeSettings settings;
    private final NodeHeartbeat heartbeat;
    private final VolumeProvisioner volumes;
    private final ScheduledExecutorService timer;
    private final PodAddresses addresses;
    private final HostsFile hosts;
    private final PodManager pods;

    private LocalNode(KubernetesClient client, NodeSettings settings) {
        this.settings = settings;
        this.heartbeat = new NodeHeartbeat(client, settings, Clock.systemUTC());
        this.volumes = new VolumeProvisioner(client, settings);
        AtomicInteger threads = new AtomicInteger();
        this.timer = Executors.newScheduledThreadPool(4, r -> {
            Thread thread = new Thread(r, "node-" + settings.name() + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.addresses = PodAddresses.claim(settings.subnetLocks(), settings.dataRoot());
        this.hosts = new HostsFile(settings.dataRoot().resolve("hosts"), hostName());
        this.pods = new PodManager(new NodeContext(client, settings, addresses, hosts, timer, java(),
                URI.create(client.getMasterUrl().toString().replaceAll("/$", ""))));
    }

    /** Registers the node and starts its heartbeat, provisioner and Pods; returns once the Node is Ready. */
    public static LocalNode start(KubernetesClient client, NodeSettings settings) {
        LocalNode node = new LocalNode(client, settings);
        try {
            node.heartbeat.register();
            node.volumes.start();
            node.pods.start();
            long period = settings.heartbeat().toMillis();
            node.timer.scheduleWithFixedDelay(node::beatOnce, period, period, TimeUnit.MILLISECONDS);
            LOG.info(() -> "local node " + settings.name() + " gives Pods addresses in " + node.addresses.cidr());
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

    /** The loopback /16 this node's Pods live in, such as {@code 127.3.0.0/16}. */
    public String podCidr() {
        return addresses.cidr();
    }

    /** The hosts file the node's processes resolve cluster names with. */
    public Path hostsFile() {
        return hosts.path();
    }

    /** The pids of every process the node's Pods run now. */
    public List<Long> pids() {
        return pods.pids();
    }

    /** The directory of a Pod's processes (logs, pid files, volumes), by Pod UID. */
    public Path podDirectory(String uid) {
        return settings.dataRoot().resolve("pods").resolve(uid);
    }

    private static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        pods.close();
        timer.shutdownNow();
        volumes.close();
        addresses.close();
    }
}
