package dev.leasehold.cli;

import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.client.Endpoint;
import dev.leasehold.client.LeaseholdClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code leasehold dev}: runs a local cluster (one JVM per node, all on 127.0.0.1) until Ctrl-C, and says how to
 * talk to it. Needs the store node on the class path, which {@code bin/leasehold} provides.
 */
@Command(name = "dev", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a local cluster of store nodes on 127.0.0.1, one process each, until Ctrl-C.",
                "Node i listens on BASE-PORT + i - 1, serves metrics on 9100 + i, keeps its data in DIR/node-i "
                        + "and writes its output to DIR/node-i.log. The data is kept across runs.",
                "With --kubernetes instead: a local Kubernetes (control plane, a node that runs Leasehold's images "
                        + "as processes, the operator from the Helm chart), see the README."})
final class DevCommand implements Callable<Integer> {

    static final int METRICS_BASE_PORT = 9101;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration LEADER_WARNING_AFTER = Duration.ofSeconds(30);
    private static final int LOG_LINES_SHOWN = 10;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data/dev",
            description = "where the nodes keep their data and logs (default ${DEFAULT-VALUE}, "
                    + "relative to the current directory)")
    Path dataDir;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
            description = "how many nodes (1 to 9, default ${DEFAULT-VALUE})")
    int nodeCount;

    @Option(names = "--base-port", paramLabel = "BASE-PORT", defaultValue = "7001",
            description = "gRPC port of node 1 (default ${DEFAULT-VALUE})")
    int basePort;

    @Option(names = "--kubernetes",
            description = "run a local Kubernetes with the operator instead (bin/leasehold builds and starts it; "
                    + "`bin/leasehold dev --kubernetes --help` lists its options)")
    boolean kubernetes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (kubernetes) {
            throw new ParameterException(spec.commandLine(), "--kubernetes is run by bin/leasehold, which builds the "
                    + "operator and the local node first: bin/leasehold dev --kubernetes");
        }
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DevCluster cluster = DevCluster.plan(dataDir, nodeCount, basePort, METRICS_BASE_PORT);
        Optional<String> busy = cluster.portInUse();
        if (busy.isPresent()) {
            err.println("leasehold: " + busy.get());
            err.flush();
            return LeaseholdCli.FAILED;
        }
        try {
            Class.forName(DevCluster.NODE_MAIN_CLASS, false, DevCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            err.println("leasehold: the store node (" + DevCluster.NODE_MAIN_CLASS + ") is not on the class path; "
                    + "run `bin/leasehold dev`, which builds it and puts it there");
            err.flush();
            return LeaseholdCli.FAILED;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(cluster, "Stopping the dev cluster"),
                "leasehold-dev-stop"));
        cluster.start(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                System.getProperty("java.class.path"));
        printHowToUse(cluster, out);

        Optional<DevCluster.Exit> exit = awaitLeader(cluster, out);
        DevCluster.Exit died = exit.isPresent() ? exit.get() : cluster.awaitUnexpectedExit();
        if (cluster.isStopping()) {
            return 0; // Ctrl-C: the shutdown hook stops the nodes
        }
        int code = died.exitCode();
        err.println("leasehold: node " + died.node().id() + " (" + died.node().endpoint() + ") exited unexpectedly "
                + "with code " + code + (code > 128 ? " (signal " + (code - 128) + ")" : "")
                + "; its log: " + died.node().log());
        lastLines(died.node().log()).forEach(line -> err.println("    " + line));
        err.flush();
        stop(cluster, "Stopping the other nodes");
        return LeaseholdCli.FAILED;
    }

    private void validate() {
        if (nodeCount < 1 || nodeCount > 9) {
            throw new ParameterException(spec.commandLine(), "--nodes must be 1 to 9, was " + nodeCount);
        }
        if (basePort < 1 || basePort + nodeCount - 1 > 65535) {
            throw new ParameterException(spec.commandLine(),
                    "--base-port must leave room for " + nodeCount + " ports below 65536, was " + basePort);
        }
        int lastPort = basePort + nodeCount - 1;
        int lastMetricsPort = METRICS_BASE_PORT + nodeCount - 1;
        if (basePort <= lastMetricsPort && lastPort >= METRICS_BASE_PORT) {
            throw new ParameterException(spec.commandLine(), "--base-port " + basePort + " overlaps the metrics ports "
                    + METRICS_BASE_PORT + "-" + lastMetricsPort);
        }
    }

    private void printHowToUse(DevCluster cluster, PrintWriter out) {
        String endpoints = Endpoint.join(cluster.endpoints());
        String flag = endpoints.equals(LeaseholdCli.DEV_ENDPOINTS) ? "" : " --endpoints " + endpoints;
        out.println("Leasehold dev cluster: " + nodeCount + " node" + (nodeCount == 1 ? "" : "s") + ", data in "
                + dataDir.toAbsolutePath().normalize());
        for (DevCluster.Node n : cluster.nodes()) {
            out.println("  node " + n.id() + "  gRPC " + n.endpoint() + "  metrics " + n.metricsUrl()
                    + "  log " + n.log());
        }
        out.println();
        out.println("Talk to it from another terminal (endpoints " + endpoints + "):");
        out.println("  bin/leasehold" + flag + " kv put greeting hello");
        out.println("  bin/leasehold" + flag + " kv get greeting");
        out.println("  bin/leasehold" + flag + " kv range ''");
        out.println("  bin/leasehold" + flag + " cluster status");
        out.println("  curl -s " + cluster.nodes().get(0).metricsUrl() + " | grep leasehold");
        out.println("Ctrl-C stops all nodes; the data stays in " + dataDir + " (delete it to start afresh).");
        out.println();
        out.println("Waiting for a leader...");
        out.flush();
    }

    /** Polls the cluster until it reports a leader; returns early with the node that died, if one did. */
    private Optional<DevCluster.Exit> awaitLeader(DevCluster cluster, PrintWriter out) throws InterruptedException {
        long warnAt = System.nanoTime() + LEADER_WARNING_AFTER.toNanos();
        try (LeaseholdClient client = new LeaseholdClient(cluster.endpoints(), Duration.ofSeconds(2))) {
            while (!cluster.isStopping()) {
                try {
                    StatusResponse status = client.status();
                    if (status.getLeader() != 0) {
                        String address = cluster.nodes().stream().filter(n -> n.id() == status.getLeader())
                                .map(n -> " (" + n.endpoint() + ")").findFirst().orElse("");
                        out.println("Leader: node " + status.getLeader() + address + ", term " + status.getTerm()
                                + ". The cluster is ready; Ctrl-C stops it.");
                        out.flush();
                        return Optional.empty();
                    }
                } catch (RuntimeException notYet) {
                    // the nodes are still starting: ask again
                }
                if (warnAt != 0 && System.nanoTime() - warnAt > 0) {
                    out.println("Still no leader after " + LEADER_WARNING_AFTER.toSeconds() + " s; see the logs in "
                            + dataDir + ". Still waiting...");
                    out.flush();
                    warnAt = 0;
                }
                Optional<DevCluster.Exit> exit = cluster.awaitUnexpectedExit(Duration.ofMillis(200));
                if (exit.isPresent()) {
                    return exit;
                }
            }
        }
        return Optional.empty();
    }

    /** Stops the cluster once, from the shutdown hook (Ctrl-C) or after a node died, whichever comes first. */
    private void stop(DevCluster cluster, String what) {
        synchronized (cluster) {
            if (cluster.isStopping()) {
                return;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(what + "...");
            out.flush();
            for (DevCluster.Node n : cluster.stop(STOP_GRACE)) {
                out.println("node " + n.id() + " did not stop within " + STOP_GRACE.toSeconds() + " s; killed it");
            }
            out.println("All nodes stopped.");
            out.flush();
        }
    }

    private static List<String> lastLines(Path log) {
        Deque<String> last = new ArrayDeque<>();
        try (Stream<String> lines = Files.lines(log)) {
            lines.forEach(line -> {
                last.addLast(line);
                if (last.size() > LOG_LINES_SHOWN) {
                    last.removeFirst();
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
        return List.copyOf(last);
    }
}
