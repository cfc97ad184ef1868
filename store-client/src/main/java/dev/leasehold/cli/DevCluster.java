package dev.leasehold.cli;

import dev.leasehold.client.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A local cluster of store nodes on 127.0.0.1, each its own JVM, for {@code leasehold dev}. Stopping it sends each
 * node SIGTERM, and SIGKILL to those still running after a grace period. It only ever signals the processes it
 * started.
 */
final class DevCluster {

    static final String NODE_MAIN_CLASS = "dev.leasehold.store.StoreNodeMain";
    static final String HOST = "127.0.0.1";

    /** One node of the cluster: where it listens and where it keeps its data and log. */
    record Node(long id, int port, int metricsPort, Path dataDir, Path log) {
        Endpoint endpoint() {
            return new Endpoint(HOST, port);
        }

        String metricsUrl() {
            return "http://" + HOST + ":" + metricsPort + "/metrics";
        }
    }

    /** A node that exited while the cluster was not being stopped. */
    record Exit(Node node, int exitCode) {
    }

    private final List<Node> nodes;
    private final List<Process> processes = new ArrayList<>();
    private final CompletableFuture<Exit> unexpectedExit = new CompletableFuture<>();
    private volatile boolean stopping;
    private boolean stopped;

    private DevCluster(List<Node> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Node i (from 1) listens on basePort + i - 1 and serves metrics on metricsBasePort + i - 1. */
    static DevCluster plan(Path dataDir, int nodeCount, int basePort, int metricsBasePort) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            nodes.add(new Node(i, basePort + i - 1, metricsBasePort + i - 1, dataDir.resolve("node-" + i),
                    dataDir.resolve("node-" + i + ".log")));
        }
        return new DevCluster(nodes);
    }

    List<Node> nodes() {
        return nodes;
    }

    List<Endpoint> endpoints() {
        return nodes.stream().map(Node::endpoint).toList();
    }

    /** Why the cluster cannot start, if a port of the plan is taken: one line for the user. */
    Optional<String> portInUse() {
        for (Node n : nodes) {
            if (!canBind(n.port())) {
                return Optional.of("port " + n.port() + " on " + HOST + " (gRPC of node " + n.id() + ") is already "
                        + "in use (is another `leasehold dev` running? --base-port chooses other ports)");
            }
        }
        for (Node n : nodes) {
            if (!canBind(n.metricsPort())) {
                return Optional.of("port " + n.metricsPort() + " on " + HOST + " (metrics of node " + n.id()
                        + ") is already in use (is another `leasehold dev` running? The metrics ports are always "
                        + nodes.get(0).metricsPort() + "-" + nodes.get(nodes.size() - 1).metricsPort() + ")");
            }
        }
        return Optional.empty();
    }

    private static boolean canBind(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts every node as {@code java -cp classPath StoreNodeMain ...}, its output going to its log file. */
    synchronized void start(String javaCommand, String classPath) {
        String peers = nodes.stream().map(n -> n.id() + "=" + n.endpoint()).collect(Collectors.joining(","));
        try {
            for (Node n : nodes) {
                Files.createDirectories(n.dataDir());
                Process process = new ProcessBuilder(javaCommand, "-cp", classPath, NODE_MAIN_CLASS,
                        "--id", Long.toString(n.id()),
                        "--listen", n.endpoint().toString(),
                        "--peers", peers,
                        "--data-dir", n.dataDir().toString(),
                        "--metrics-listen", HOST + ":" + n.metricsPort())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.to(n.log().toFile()))
                        .start();
                process.getOutputStream().close();
                processes.add(process);
                process.onExit().thenAccept(p -> {
                    if (!stopping) {
                        unexpectedExit.complete(new Exit(n, p.exitValue()));
                    }
                });
            }
        } catch (IOException e) {
            stop(Duration.ofSeconds(10));
            throw new UncheckedIOException("could not start the store nodes: " + e.getClass().getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Waits up to the given time for a node to exit on its own; empty if none did. */
    Optional<Exit> awaitUnexpectedExit(Duration wait) throws InterruptedException {
        try {
            return Optional.of(unexpectedExit.get(wait.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until a node exits on its own. */
    Exit awaitUnexpectedExit() throws InterruptedException {
        try {
            return unexpectedExit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@link #stop} has begun. */
    boolean isStopping() {
        return stopping;
    }

    /**
     * Sends SIGTERM to every node still running, waits up to {@code grace} for all of them, then kills the rest.
     * Returns the nodes that had to be killed. Only the first call does anything.
     */
    synchronized List<Node> stop(Duration grace) {
        stopping = true;
        if (stopped) {
            return List.of();
        }
        stopped = true;
        processes.forEach(Process::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        List<Node> killed = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                    killed.add(nodes.get(i));
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        return killed;
    }
}
