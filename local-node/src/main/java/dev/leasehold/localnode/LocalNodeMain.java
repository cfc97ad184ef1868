package dev.leasehold.localnode;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one local node against the cluster of a kubeconfig until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "leasehold-local-node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Acts as one Kubernetes node for Leasehold's own images, without a container runtime.")
public final class LocalNodeMain implements Callable<Integer> {

    @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the cluster to join")
    Path kubeconfig;

    @Option(names = "--name", defaultValue = "leasehold-local", description = "the Node's name (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--data-root", required = true, description = "directory of the node's volumes")
    Path dataRoot;

    @Option(names = "--heartbeat", defaultValue = "10s",
            description = "status and Lease renewal period, such as 10s or 500ms (default ${DEFAULT-VALUE})")
    String heartbeat;

    @Option(names = "--store-classpath",
            description = "class path of the store node; Pods of " + Launcher.STORE_NODE + ":ANY-TAG run it")
    String storeClassPath;

    @Option(names = "--operator-app",
            description = "the operator's quarkus-app/quarkus-run.jar; Pods of " + Launcher.OPERATOR
                    + ":ANY-TAG run it")
    Path operatorApp;

    @Option(names = "--restart-backoff", defaultValue = "10s",
            description = "first wait before a crashed container restarts, doubled up to 5 minutes "
                    + "(default ${DEFAULT-VALUE})")
    String restartBackoff;

    @Option(names = "--subnet-locks",
            description = "directory where the local nodes of this machine claim their loopback /16s "
                    + "(default ~/.cache/leasehold/local-node/subnets)")
    Path subnetLocks;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalNodeMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        NodeSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            System.err.println("leasehold-local-node: " + e.getMessage());
            return 2;
        }
        if (!Files.isReadable(kubeconfig)) {
            System.err.println("leasehold-local-node: --kubeconfig " + kubeconfig + " cannot be read");
            return 2;
        }
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
        CountDownLatch stopped = new CountDownLatch(1);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        LocalNode node = LocalNode.start(client, settings);
        // the JVM does not wait for main once the hooks ran: the hook itself stops the node
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            client.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("leasehold-local-node " + settings.name() + " is Ready: Pods on " + node.podCidr()
                + ", volumes in " + settings.dataRoot() + ", names in " + node.hostsFile() + ", runs "
                + (settings.launchers().isEmpty() ? "no images" : String.join(", ", settings.launchers().keySet())));
        stopped.await();
        return 0;
    }

    NodeSettings settings() {
        List<Launcher> launchers = new ArrayList<>();
        if (storeClassPath != null) {
            launchers.add(Launcher.storeNode(storeClassPath));
        }
        if (operatorApp != null) {
            if (!Files.isRegularFile(operatorApp)) {
                throw new IllegalArgumentException("--operator-app " + operatorApp + " is not a file (build the "
                        + "operator first: ./mvnw -pl operator -am package)");
            }
            launchers.add(Launcher.operator(operatorApp.toAbsolutePath()));
        }
        return new NodeSettings(name, dataRoot, duration("--heartbeat", heartbeat), Map.of(),
                duration("--restart-backoff", restartBackoff),
                subnetLocks == null ? NodeSettings.DEFAULT_SUBNET_LOCKS : subnetLocks).withLaunchers(launchers);
    }

    static Duration duration(String flag, String text) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            if (text.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            return Duration.parse(text);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException(flag + " must be like 10s or 500ms, was '" + text + "'");
        }
    }
}
