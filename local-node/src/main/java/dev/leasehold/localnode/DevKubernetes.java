package dev.leasehold.localnode;

import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Kubernetes on this machine with nothing but Java and Go: the control plane of the test environment, one
 * {@link LocalNode} that runs the project's images as processes, and the operator installed from the Helm chart as a
 * Pod on that node. What {@code bin/leasehold dev --kubernetes} runs, and what the end-to-end tests start.
 */
public final class DevKubernetes implements AutoCloseable {

    public static final String RELEASE = "leasehold";
    public static final String RELEASE_NAMESPACE = "leasehold-system";
    public static final String NODE_NAME = "leasehold-local";
    /** Marks a work directory as this class's, so that a restart may empty it and nothing else is ever emptied. */
    static final String MARKER = ".leasehold-dev-kubernetes";
    private static final long OPERATOR_READY_MINUTES = 5;

    /**
     * @param workDir        where the control plane, the node's volumes and the Pods' files live; emptied on start
     *                       (it must be empty, absent, or an earlier run's)
     * @param storeClassPath the store node's class path
     * @param operatorApp    the operator's {@code quarkus-app/quarkus-run.jar}
     * @param chart          the Helm chart's directory
     * @param restartBackoff the node's first wait before a crashed container restarts
     */
    public record Settings(Path workDir, String storeClassPath, Path operatorApp, Path chart,
                           Duration restartBackoff) {

        public Settings {
            workDir = workDir.toAbsolutePath().normalize();
            if (!Files.isRegularFile(operatorApp)) {
                throw new IllegalArgumentException("--operator-app " + operatorApp + " is not a file (build the "
                        + "operator first: ./mvnw -pl operator -am package)");
            }
            if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
                throw new IllegalArgumentException("--chart " + chart + " holds no Chart.yaml");
            }
            if (storeClassPath == null || storeClassPath.isBlank()) {
                throw new IllegalArgumentException("--store-classpath must name the store node's class path");
            }
        }
    }

    private final ControlPlane plane;
    private final KubernetesClient client;
    private final LocalNode node;

    private DevKubernetes(ControlPlane plane, KubernetesClient client, LocalNode node) {
        this.plane = plane;
        this.client = client;
        this.node = node;
    }

    /**
     * Starts everything and returns once the operator's Pod is Ready.
     *
     * @param say told what is happening, a line at a time
     */
    public static DevKubernetes start(Settings settings, Consumer<String> say) {
        prepare(settings.workDir());
        say.accept("starting the control plane (etcd, kube-apiserver, controller manager, scheduler) in "
                + settings.workDir().resolve("control-plane"));
        ControlPlane plane = ControlPlane.start(settings.workDir().resolve("control-plane"));
        KubernetesClient client = null;
        LocalNode node = null;
        try {
            client = adminClient(plane);
            NodeSettings nodeSettings = new NodeSettings(NODE_NAME, settings.workDir().resolve("node"),
                    Duration.ofSeconds(5))
                    .withLaunchers(List.of(Launcher.storeNode(settings.storeClassPath()),
                            Launcher.operator(settings.operatorApp().toAbsolutePath())))
                    .withRestartBackoff(settings.restartBackoff());
            node = LocalNode.start(client, nodeSettings);
            say.accept("node " + NODE_NAME + " is Ready: Pods get addresses in " + node.podCidr());
            say.accept("installing the chart " + settings.chart() + " as release " + RELEASE + " in namespace "
                    + RELEASE_NAMESPACE);
            // one operator replica: a second would only wait for the first's lease on two cores
            say.accept(ChartInstall.run(settings.chart(), RELEASE, RELEASE_NAMESPACE, plane.kubeconfig(),
                    List.of("replicaCount=1")));
            client.apps().deployments().inNamespace(RELEASE_NAMESPACE).withName(RELEASE)
                    .waitUntilCondition(DevKubernetes::available, OPERATOR_READY_MINUTES, TimeUnit.MINUTES);
            say.accept("the operator is Ready (Deployment " + RELEASE_NAMESPACE + "/" + RELEASE + ")");
            return new DevKubernetes(plane, client, node);
        } catch (RuntimeException e) {
            closeAll(node, client, plane);
            throw e;
        }
    }

    private static boolean available(Deployment d) {
        return d != null && d.getStatus() != null && d.getStatus().getAvailableReplicas() != null
                && d.getStatus().getAvailableReplicas() >= 1;
    }

    /** An admin client of {@code plane}. */
    public static KubernetesClient adminClient(ControlPlane plane) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl(plane.server().toString())
                .withOauthToken(plane.adminToken())
                .withCaCertFile(plane.caCertificate().toString())
                .build()).build();
    }

    /** Empties an earlier run's work directory; refuses one that is not empty and not an earlier run's. */
    private static void prepare(Path workDir) {
        try {
            if (Files.isDirectory(workDir)) {
                boolean empty;
                try (Stream<Path> entries = Files.list(workDir)) {
                    empty = entries.findAny().isEmpty();
                }
                if (!empty && !Files.exists(workDir.resolve(MARKER))) {
                    throw new IllegalArgumentException("--work-dir " + workDir + " is not empty and was not made by "
                            + "an earlier `leasehold dev --kubernetes`: choose another, or empty it yourself");
                }
                try (Stream<Path> all = Files.walk(workDir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        if (!p.equals(workDir)) {
                            Files.delete(p);
                        }
                    }
                }
            }
            Files.createDirectories(workDir);
            Files.writeString(workDir.resolve(MARKER), "made by leasehold dev --kubernetes; emptied on its next start\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + workDir, e);
        }
    }

    public ControlPlane plane() {
        return plane;
    }

    public KubernetesClient client() {
        return client;
    }

    public LocalNode node() {
        return node;
    }

    /** Stops the node (every Pod's process, the operator's included), then the control plane. */
    @Override
    public void close() {
        closeAll(node, client, plane);
    }

    /** Closes each of several resources in order (nulls skipped), every one even when an earlier one fails. */
    static void closeAll(AutoCloseable... resources) {
        RuntimeException failure = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("cannot stop " + r, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
