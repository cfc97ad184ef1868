package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The kubelet's part: every Pod bound to this node runs as a {@link PodRunner}, one Pod UID at a time per
 * namespace and name (a re-created StatefulSet Pod starts only once the processes of the one before have gone, so
 * two never share a claim's directory). A Pod being deleted is stopped with its grace period and then deleted with
 * grace 0, as a kubelet completes a deletion, which lets its controller create the next one. The hosts file follows
 * the Pods and Services.
 */
final class PodManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PodManager.class.getName());
    /** How long the node's own shutdown gives each Pod before SIGKILL. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private final NodeContext node;
    private final KubernetesClient client;
    private final Map<String, PodRunner> runners = new ConcurrentHashMap<>();
    /** Per namespace/name: when the processes of its latest incarnation have gone. */
    private final Map<String, CompletableFuture<Void>> lastStopped = new ConcurrentHashMap<>();
    private final ExecutorService stopping = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pod-stop");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<Service> services;

    PodManager(NodeContext node) {
        this.node = node;
        this.client = node.client();
    }

    void start() {
        reapLeftovers();
        node.hosts().update(List.of(), List.of());
        services = client.services().inAnyNamespace()
                .inform(Handlers.onChangeAndDelete(s -> hostsChanged(), s -> hostsChanged()));
        pods = client.pods().inAnyNamespace().withField("spec.nodeName", node.settings().name())
                .inform(Handlers.onChangeAndDelete(this::onPod, this::onGone));
    }

    private void onPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            terminate(pod);
            hostsChanged();
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return;
        }
        runners.computeIfAbsent(uid, u -> {
            PodRunner runner = new PodRunner(node, pod, this::hostsChanged);
            CompletableFuture<Void> before = lastStopped.put(runner.key(), runner.stopped());
            if (before == null || before.isDone()) {
                node.timer().execute(runner::start);
            } else {
                LOG.info(() -> "Pod " + runner.key() + " (" + u + ") waits for the processes of the one before it");
                before.thenRunAsync(runner::start, node.timer());
            }
            return runner;
        });
        hostsChanged();
    }

    /** A Pod being deleted: its processes stop, then the deletion is completed. */
    private void terminate(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodRunner runner = runners.get(uid);
        CompletableFuture.runAsync(() -> {
            if (runner != null) {
                runner.stop(PodRunner.graceOf(pod));
            }
            completeDeletion(pod);
        }, stopping).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(Level.WARNING, "completing the deletion of Pod " + pod.getMetadata().getName() + " failed", e);
            }
        });
    }

    /** A Pod gone from the API (deleted with grace 0 by us or by someone else): its processes must go too. */
    private void onGone(Pod pod) {
        PodRunner runner = runners.remove(pod.getMetadata().getUid());
        if (runner != null) {
            stopping.execute(() -> runner.stop(PodRunner.graceOf(pod)));
        }
        hostsChanged();
    }

    /** Deletes the Pod with grace 0, only if it is still this UID (a new Pod of the same name is not touched). */
    private void completeDeletion(Pod pod) {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String body = "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0,"
                + "\"preconditions\":{\"uid\":\"" + pod.getMetadata().getUid() + "\"}}";
        String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + namespace
                + "/pods/" + name;
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(url)
                .delete("application/json", body).build();
        try {
            HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class)
                    .get(30, TimeUnit.SECONDS);
            if (response.code() >= 300 && response.code() != 404 && response.code() != 409) {
                LOG.warning(() -> "deleting Pod " + namespace + "/" + name + " answered " + response.code() + ": "
                        + response.body());
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot complete the deletion of Pod " + namespace + "/" + name, e);
        }
    }

    /** Rewrites the hosts file from the Pods of this node and every Service (a no-op when nothing changed). */
    private void hostsChanged() {
        node.timer().execute(() -> {
            try {
                List<Pod> known = new ArrayList<>();
                if (pods != null) {
                    for (Pod p : pods.getStore().list()) {
                        PodRunner runner = runners.get(p.getMetadata().getUid());
                        known.add(runner == null ? p : withAddress(p, runner.podIp()));
                    }
                }
                node.hosts().update(known, services == null ? List.of() : services.getStore().list());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot rewrite the hosts file", e);
            }
        });
    }

    /** The Pod as the hosts file must see it: with the address this node gave it, written or not. */
    private static Pod withAddress(Pod pod, String address) {
        if (pod.getStatus() != null && address.equals(pod.getStatus().getPodIP())) {
            return pod;
        }
        Pod copy = new io.fabric8.kubernetes.api.model.PodBuilder(pod).editOrNewStatus().withPodIP(address)
                .endStatus().build();
        return copy;
    }

    /** The runner of a Pod, by UID. */
    Optional<PodRunner> runner(String uid) {
        return Optional.ofNullable(runners.get(uid));
    }

    /** Every process the node's Pods run now. */
    List<Long> pids() {
        return runners.values().stream().flatMap(r -> r.pids().stream()).toList();
    }

    /**
     * Processes an earlier run of a node on this data root left behind (it was killed before it could stop them):
     * found by the pid files in the Pod directories, and stopped only if the process with that pid still runs from
     * that directory.
     */
    private void reapLeftovers() {
        Path podsDir = node.settings().dataRoot().resolve("pods");
        if (!Files.isDirectory(podsDir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(podsDir, 2)) {
            for (Path pidFile : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                Path dir = pidFile.getParent();
                ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                        .ifPresent(p -> {
                            LOG.warning(() -> "stopping pid " + pid + ", left running in " + dir + " by an earlier "
                                    + "run of this node");
                            p.destroy();
                            p.onExit().completeOnTimeout(p, SHUTDOWN_GRACE.toSeconds(), TimeUnit.SECONDS).join();
                            p.destroyForcibly();
                        });
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(Level.WARNING, "cannot look for processes left in " + podsDir, e);
        }
    }

    /** Stops the informers and every Pod's processes; returns when they have gone. */
    @Override
    public void close() {
        for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {pods, services}) {
            if (informer != null) {
                informer.close();
            }
        }
        List<CompletableFuture<Void>> stops = runners.values().stream()
                .map(r -> CompletableFuture.runAsync(() -> r.stop(SHUTDOWN_GRACE), stopping)).toList();
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        runners.clear();
        stopping.shutdownNow();
    }
}
