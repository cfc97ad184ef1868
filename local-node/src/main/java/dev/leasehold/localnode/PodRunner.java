package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Pod bound to this node, from its first start to the end of its processes: it gets its address, its volumes and
 * each container's environment, then one {@link ContainerRun} per container whose image has a launcher (any other
 * container waits with reason {@code NoLocalLauncher}), and its status is written whenever something changes. A Pod
 * that cannot start yet (an unbound claim, a missing ConfigMap) waits in {@code ContainerCreating} and is tried again.
 */
final class PodRunner {

    private static final Logger LOG = Logger.getLogger(PodRunner.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(2);
    private static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

    private final NodeContext node;
    /** Hears that the Pod's address or readiness changed, which may change the hosts file. */
    private final Runnable podsChanged;
    private final KubernetesClient client;
    private final Pod pod;
    private final String key;
    private final Path podDir;
    private final String podIp;
    private final Instant startTime = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    // guarded by this
    private final Map<String, ContainerRun> runs = new LinkedHashMap<>();
    /** Why a container does not run (no launcher, or the Pod cannot start yet), by container name. */
    private final Map<String, ContainerStatus> notRunning = new LinkedHashMap<>();
    private final Map<String, PodCondition> conditions = new LinkedHashMap<>();
    private boolean stopping;
    private String lastWritten;
    private PodVolumes volumes;

    PodRunner(NodeContext node, Pod pod, Runnable podsChanged) {
        this.node = node;
        this.podsChanged = podsChanged;
        this.client = node.client();
        this.pod = pod;
        this.key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        this.podDir = node.settings().dataRoot().resolve("pods").resolve(pod.getMetadata().getUid());
        this.podIp = node.addresses().addressOf(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }

    String key() {
        return key;
    }

    String uid() {
        return pod.getMetadata().getUid();
    }

    String podIp() {
        return podIp;
    }

    /** Completes when every process of the Pod has gone for good. */
    CompletableFuture<Void> stopped() {
        return stopped;
    }

    /** Prepares and starts the Pod's containers, retrying what cannot be done yet. */
    void start() {
        synchronized (this) {
            if (stopping) {
                return;
            }
        }
        try {
            Files.createDirectories(podDir);
            prepareAndRun();
        } catch (PodVolumes.Unready | ContainerEnv.Unresolved e) {
            waitAll("ContainerCreating", e.getMessage());
            node.timer().schedule(this::start, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot start Pod " + key + "; trying again", e);
            waitAll("CreateContainerError", String.valueOf(e.getMessage()));
            node.timer().schedule(this::start, RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void prepareAndRun() {
        ContainerEnv env = new ContainerEnv(pod, podIp, NodeContext.HOST_IP,
                name -> node.configMap(pod.getMetadata().getNamespace(), name),
                name -> node.secret(pod.getMetadata().getNamespace(), name));
        PodVolumes made = new PodVolumes(client, pod, podDir, env);
        Map<String, Path> volumeDirs = made.materialize();
        List<ContainerRun> toStart = new ArrayList<>();
        synchronized (this) {
            if (stopping) {
                return;
            }
            volumes = made;
            notRunning.clear();
            for (Container container : pod.getSpec().getContainers()) {
                Optional<Launcher> launcher = Launcher.forImage(node.settings().launchers(), container.getImage());
                if (launcher.isEmpty() || container.getCommand() != null && !container.getCommand().isEmpty()) {
                    notRunning.put(container.getName(), waiting(container, "NoLocalLauncher", launcher.isEmpty()
                            ? "the local node has no launcher for image " + container.getImage() + "; it runs only "
                            + String.join(", ", node.settings().launchers().keySet())
                            : "the local node runs an image's own entrypoint only; this container sets a command"));
                    continue;
                }
                ContainerRun run = run(container, launcher.get(), env, volumeDirs);
                runs.put(container.getName(), run);
                toStart.add(run);
            }
        }
        writeStatus(); // the address first, so that the hosts file names the Pod before its processes look it up
        podsChanged.run();
        toStart.forEach(ContainerRun::start);
        scheduleTokenRefresh();
    }

    private ContainerRun run(Container container, Launcher launcher, ContainerEnv env, Map<String, Path> volumeDirs) {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount m : Objects.requireNonNullElse(container.getVolumeMounts(), List.<VolumeMount>of())) {
            Path dir = volumeDirs.get(m.getName());
            if (dir == null) {
                throw new ContainerEnv.Unresolved("volume mount " + m.getName() + " names no volume of the Pod");
            }
            String path = m.getMountPath().replaceAll("/+$", "");
            mounts.put(path, m.getSubPath() == null || m.getSubPath().isEmpty() ? dir : dir.resolve(m.getSubPath()));
        }
        PodPaths paths = new PodPaths(mounts, podIp);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", Objects.requireNonNullElse(System.getenv("PATH"), "/usr/bin:/bin"));
        environment.put("HOME", podDir.toString());
        environment.put("HOSTNAME", Objects.requireNonNullElse(pod.getSpec().getHostname(),
                pod.getMetadata().getName()));
        environment.put("KUBERNETES_SERVICE_HOST", node.apiServer().getHost());
        environment.put("KUBERNETES_SERVICE_PORT", Integer.toString(node.apiServer().getPort()));
        Launcher.ImageRef image = Launcher.ImageRef.parse(container.getImage());
        environment.put("LEASEHOLD_IMAGE", container.getImage());
        environment.put("LEASEHOLD_IMAGE_TAG", image.tag());
        env.environment(container).forEach((name, value) -> environment.put(name, paths.rewrite(value)));
        List<String> arguments = ContainerEnv.expandAll(container.getArgs(), environment).stream()
                .map(paths::rewrite).toList();
        List<String> command = launcher.command(node.java(), jvmOptions(container, paths), podIp, arguments);
        return new ContainerRun(container, key, command, environment, podDir, podIp,
                Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always"),
                node.settings().restartBackoff(), terminationGrace(), node.timer(), this::changed);
    }

    /** What the JVM needs to see its Pod's world: names, temporary files, a heap that fits, the API server. */
    private List<String> jvmOptions(Container container, PodPaths paths) {
        List<String> options = new ArrayList<>();
        options.add("-Djdk.net.hosts.file=" + node.hosts().path());
        // names come and go with Pods: resolve again after a second, and never cache a miss
        options.add("-Dsun.net.inetaddr.ttl=1");
        options.add("-Dsun.net.inetaddr.negative.ttl=0");
        Path tmp = paths.hostPath("/tmp").orElse(podDir.resolve("tmp"));
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + tmp, e);
        }
        options.add("-Djava.io.tmpdir=" + tmp);
        options.add("-Xmx" + heapMegabytes(container) + "m");
        options.add("-XX:+UseSerialGC");
        options.add("-XX:TieredStopAtLevel=1");
        paths.hostPath(SERVICE_ACCOUNT_DIR).ifPresent(dir -> {
            options.add("-Dkubernetes.master=" + node.apiServer());
            options.add("-Dkubernetes.auth.tryKubeConfig=false");
            options.add("-Dkubernetes.auth.serviceAccount.token=" + dir.resolve("token"));
            options.add("-Dkubernetes.certs.ca.file=" + dir.resolve("ca.crt"));
            options.add("-Dkubenamespace=" + dir.resolve("namespace"));
        });
        return options;
    }

    /** Half the memory limit (a JVM needs room beyond its heap), between 64 and 512 MiB; 256 MiB without a limit. */
    private static long heapMegabytes(Container container) {
        Quantity limit = container.getResources() == null || container.getResources().getLimits() == null ? null
                : container.getResources().getLimits().get("memory");
        if (limit == null) {
            return 256;
        }
        long mib = Quantity.getAmountInBytes(limit).divide(BigDecimal.valueOf(2L << 20)).longValue();
        return Math.max(64, Math.min(512, mib));
    }

    private Duration terminationGrace() {
        return Duration.ofSeconds(Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L));
    }

    /** Service-account tokens are written again at 80 % of their life. */
    private void scheduleTokenRefresh() {
        Instant due;
        synchronized (this) {
            if (stopping || volumes == null || volumes.refreshDue().equals(Instant.MAX)) {
                return;
            }
            due = volumes.refreshDue();
        }
        long delay = Math.max(1_000, Duration.between(Instant.now(), due).toMillis());
        node.timer().schedule(() -> {
            try {
                synchronized (this) {
                    if (stopping) {
                        return;
                    }
                    volumes.materialize();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot rewrite the volumes (tokens) of Pod " + key + "; trying again", e);
            }
            scheduleTokenRefresh();
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void waitAll(String reason, String message) {
        synchronized (this) {
            notRunning.clear();
            for (Container container : pod.getSpec().getContainers()) {
                notRunning.put(container.getName(), waiting(container, reason, message));
            }
        }
        writeStatus();
    }

    private static ContainerStatus waiting(Container container, String reason, String message) {
        return new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                .withName(container.getName()).withImage(container.getImage()).withImageID("")
                .withReady(false).withStarted(false).withRestartCount(0)
                .withState(ContainerRun.waitingState(reason, message))
                .build();
    }

    /** A container changed: the status is written off the caller's thread, which may hold the container's lock. */
    private void changed() {
        node.timer().execute(() -> {
            writeStatus();
            podsChanged.run();
        });
    }

    /** Writes the Pod's status if it differs from what was written last. */
    void writeStatus() {
        String json;
        synchronized (this) {
            json = Serialization.asJson(Map.of("status", status()));
            if (json.equals(lastWritten)) {
                return;
            }
            lastWritten = json;
        }
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), json);
        } catch (KubernetesClientException e) {
            boolean quiet;
            synchronized (this) {
                lastWritten = null; // written again at the next change
                quiet = stopping; // a node shutting down interrupts its last writes
            }
            if (e.getCode() != 404 && !quiet) {
                LOG.log(Level.WARNING, "cannot write the status of Pod " + key, e);
            }
        }
    }

    private PodStatus status() {
        List<ContainerStatus> containers = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            ContainerRun run = runs.get(c.getName());
            if (run != null) {
                Launcher.ImageRef image = Launcher.ImageRef.parse(c.getImage());
                containers.add(run.status(c.getImage(), "process://" + image.repository() + "@" + image.tag()));
            } else {
                containers.add(notRunning.getOrDefault(c.getName(), waiting(c, "ContainerCreating", null)));
            }
        }
        boolean allReady = !containers.isEmpty() && containers.stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
        boolean anyRunning = containers.stream().anyMatch(s -> s.getState().getRunning() != null);
        boolean everStarted = runs.values().stream().anyMatch(r -> r.running())
                || containers.stream().anyMatch(s -> s.getRestartCount() > 0 || s.getLastState() != null
                && s.getLastState().getTerminated() != null);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<PodCondition> all = List.of(
                condition("PodReadyToStartContainers", true, now),
                condition("Initialized", true, now),
                condition("Ready", allReady, now),
                condition("ContainersReady", allReady, now),
                condition("PodScheduled", true, now));
        return new PodStatusBuilder()
                .withPhase(anyRunning || everStarted ? "Running" : "Pending")
                .withHostIP(NodeContext.HOST_IP)
                .withHostIPs(new io.fabric8.kubernetes.api.model.HostIP(NodeContext.HOST_IP))
                .withPodIP(podIp)
                .withPodIPs(new PodIP(podIp))
                .withStartTime(startTime.toString())
                .withConditions(all)
                .withContainerStatuses(containers)
                .build();
    }

    /** A condition that keeps its transition time while its value stays the same. */
    private PodCondition condition(String type, boolean value, String now) {
        String status = value ? "True" : "False";
        PodCondition before = conditions.get(type);
        String since = before != null && status.equals(before.getStatus()) ? before.getLastTransitionTime() : now;
        PodCondition condition = new PodConditionBuilder().withType(type).withStatus(status)
                .withLastTransitionTime(since).build();
        conditions.put(type, condition);
        return condition;
    }

    /**
     * Stops every process (SIGTERM, SIGKILL after {@code grace}); completes {@link #stopped()} once all have gone.
     * Called again while stopping, it kills within the new grace whatever still runs.
     */
    void stop(Duration grace) {
        List<ContainerRun> all;
        synchronized (this) {
            // a second call (the node stopping while a deletion's longer grace runs) stops them within its own grace
            stopping = true;
            all = List.copyOf(runs.values());
        }
        try {
            List<CompletableFuture<Void>> stops = all.stream().map(r -> CompletableFuture.runAsync(() -> {
                try {
                    r.stop(grace);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })).toList();
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        } finally {
            stopped.complete(null);
        }
        LOG.info(() -> "Pod " + key + " (" + uid() + ") has stopped");
    }

    /** The grace period its deletion asked for, or the Pod's own. */
    static Duration graceOf(Pod pod) {
        Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (seconds == null) {
            seconds = Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L);
        }
        return Duration.ofSeconds(seconds);
    }

    /** The pids of the running processes, for tests and for the node's own bookkeeping. */
    synchronized List<Long> pids() {
        return runs.values().stream().flatMap(r -> r.pid().stream()).toList();
    }

    synchronized Optional<ContainerRun> container(String name) {
        return Optional.ofNullable(runs.get(name));
    }
}
