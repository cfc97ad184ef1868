package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/leasehold dev --kubernetes}: a local Kubernetes with the operator installed ({@link DevKubernetes}),
 * until Ctrl-C. Prints the kubeconfig and kubectl to use, and the endpoints of every store once its Pods are Ready.
 */
@Command(name = "leasehold dev --kubernetes", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a local Kubernetes control plane, a node that runs Leasehold's images as processes, and"
                + " the operator installed from the Helm chart, until Ctrl-C."})
public final class DevKubernetesMain implements Callable<Integer> {

    static final String STORE_COMPONENT_LABEL = "app.kubernetes.io/component";
    static final String STORE_INSTANCE_LABEL = "app.kubernetes.io/instance";

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "data/dev-kubernetes",
            description = "the control plane's, node's and Pods' files (default ${DEFAULT-VALUE}); emptied on start")
    Path workDir;

    @Option(names = "--store-classpath", required = true, description = "the store node's class path")
    String storeClassPath;

    @Option(names = "--operator-app", required = true, description = "the operator's quarkus-app/quarkus-run.jar")
    Path operatorApp;

    @Option(names = "--chart", required = true, description = "the Helm chart's directory")
    Path chart;

    @Option(names = "--restart-backoff", defaultValue = "10s",
            description = "first wait before a crashed container restarts (default ${DEFAULT-VALUE})")
    String restartBackoff;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DevKubernetesMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        DevKubernetes.Settings settings;
        try {
            settings = new DevKubernetes.Settings(workDir, storeClassPath, operatorApp, chart,
                    LocalNodeMain.duration("--restart-backoff", restartBackoff));
        } catch (IllegalArgumentException e) {
            System.err.println("leasehold dev --kubernetes: " + e.getMessage());
            return 2;
        }
        PrintStream out = System.out;
        DevKubernetes dev;
        try {
            dev = DevKubernetes.start(settings, line -> out.println("leasehold dev --kubernetes: " + line));
        } catch (IllegalArgumentException e) {
            System.err.println("leasehold dev --kubernetes: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // the JVM does not wait for call() once the hooks ran: the hook itself stops everything
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("leasehold dev --kubernetes: stopping the operator, the store Pods and the control plane");
            dev.close();
            stopped.countDown();
        }, "shutdown"));
        Path kubectl = dev.plane().binaries().program("kubectl");
        out.println();
        out.println("Kubernetes is up (API server " + dev.plane().server() + "), with the Leasehold operator. Use:");
        out.println();
        out.println("  export KUBECONFIG=" + dev.plane().kubeconfig());
        out.println("  alias kubectl=" + kubectl);
        out.println("  kubectl create namespace demo");
        out.println("  kubectl apply -n demo -f " + settings.chart().toAbsolutePath().normalize().getParent()
                .resolveSibling("examples").resolve("replicatedstore.yaml"));
        out.println("  kubectl get rstore -n demo -w");
        out.println();
        out.println("The endpoints of each store are printed here once its Pods are Ready. Ctrl-C stops everything.");
        StoreEndpoints endpoints = new StoreEndpoints(out);
        SharedIndexInformer<Pod> informer = dev.client().pods().inAnyNamespace()
                .withLabel(STORE_COMPONENT_LABEL, "store-node").inform(endpoints);
        stopped.await();
        informer.close();
        endpoints.close();
        return 0;
    }

    /**
     * Prints a store's endpoints when the set of its Ready Pods has changed and then stayed the same for a
     * moment (Pods become Ready one by one: one line for the lot).
     */
    private static final class StoreEndpoints implements ResourceEventHandler<Pod>, AutoCloseable {
        private static final long SETTLE_MILLIS = 2_000;
        private final PrintStream out;
        private final Map<String, Map<String, String>> readyByStore = new ConcurrentHashMap<>();
        private final Map<String, String> printed = new ConcurrentHashMap<>();
        private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-endpoints");
            t.setDaemon(true);
            return t;
        });

        StoreEndpoints(PrintStream out) {
            this.out = out;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }

        @Override
        public void onAdd(Pod pod) {
            update(pod, false);
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            update(pod, false);
        }

        @Override
        public void onDelete(Pod pod, boolean unknownFinalState) {
            update(pod, true);
        }

        private synchronized void update(Pod pod, boolean deleted) {
            String store = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getLabels()
                    .getOrDefault(STORE_INSTANCE_LABEL, "?");
            Map<String, String> ready = readyByStore.computeIfAbsent(store, s -> new TreeMap<>());
            boolean isReady = !deleted && pod.getStatus() != null && pod.getStatus().getPodIP() != null
                    && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            if (isReady) {
                ready.put(pod.getMetadata().getName(), pod.getStatus().getPodIP() + ":7001");
            } else {
                ready.remove(pod.getMetadata().getName());
            }
            ScheduledFuture<?> earlier = pending.put(store, timer.schedule(() -> print(store), SETTLE_MILLIS,
                    TimeUnit.MILLISECONDS));
            if (earlier != null) {
                earlier.cancel(false);
            }
        }

        private synchronized void print(String store) {
            Map<String, String> ready = readyByStore.getOrDefault(store, Map.of());
            String endpoints = String.join(",", ready.values());
            if (Objects.equals(printed.get(store), endpoints)) {
                return;
            }
            printed.put(store, endpoints);
            out.println(endpoints.isEmpty() ? "store " + store + ": no Pod is Ready"
                    : "store " + store + ": " + ready.size() + " Pod(s) Ready ("
                    + ready.keySet().stream().collect(Collectors.joining(", ")) + "); try\n"
                    + "  bin/leasehold kv put --endpoints " + endpoints + " greeting hello\n"
                    + "  bin/leasehold cluster status --endpoints " + endpoints);
        }
    }
}
