package dev.leasehold.store.process;

import dev.leasehold.api.faults.v1.FaultsGrpc;
import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.store.StoreNodeMain;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One store node run as its own JVM ({@code java -cp <the test classpath> StoreNodeMain ...}), bound to
 * 127.0.0.1. Its stdout and stderr go to one log file, appended across restarts, whose tail the tests print when
 * something fails. The data directory and ports stay the same across restarts.
 *
 * <p>Every process started here is also registered with a JVM shutdown hook that kills it, so that a test JVM that
 * dies without running {@link #close()} leaves no node behind.
 */
public final class NodeProcess implements AutoCloseable {

    /** How a process that was expected to refuse to start ended. */
    public record Exit(int code, String stderr) {
    }

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "kill-store-node-processes"));
    }

    /**
     * JVM options of every node besides the heap: two cores are shared by up to five nodes and the test, so C1
     * only and the serial collector keep start-up cheap. Override with {@code -Dleasehold.it.node-jvm-options=...}.
     */
    private static final String JVM_OPTIONS = System.getProperty("leasehold.it.node-jvm-options",
            "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k");

    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final long id;
    private final int port;
    private final int metricsPort;
    private final Path dataDir;
    private final Path logFile;
    private final List<String> flags;

    private Process process;
    private ManagedChannel channel;
    private volatile boolean paused;
    /** Answered a Status call since it was last started. */
    private volatile boolean up;
    private int launches;

    /**
     * @param flags the cluster-wide flags ({@code --peers}, {@code --join}, timing); the node's own id, addresses
     *              and data directory are added here
     */
    NodeProcess(long id, int port, int metricsPort, Path dataDir, Path logFile, List<String> flags) {
        this.id = id;
        this.port = port;
        this.metricsPort = metricsPort;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.flags = List.copyOf(flags);
    }

    public long id() {
        return id;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Running, seen answering since its start ({@link #awaitUp}), and not stopped with SIGSTOP. */
    public boolean isServing() {
        return up && !paused && isRunning();
    }

    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("node " + id + " was never started");
        }
        return process.pid();
    }

    private List<String> command() {
        List<String> options = new ArrayList<>();
        options.add("-Xmx256m");
        for (String option : JVM_OPTIONS.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        List<String> cmd = ChildJvm.command(options, StoreNodeMain.class.getName());
        cmd.add("--id=" + id);
        cmd.add("--listen=" + address());
        cmd.add("--advertise=" + address());
        cmd.add("--metrics-listen=127.0.0.1:" + metricsPort);
        cmd.add("--data-dir=" + dataDir);
        cmd.addAll(flags);
        return cmd;
    }

    /** Starts the process (with the same data directory if it ran before); does not wait for it to answer. */
    public synchronized NodeProcess start() {
        if (isRunning()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        launches++;
        List<String> cmd = command();
        appendToLog("==== " + Instant.now() + " start #" + launches + " of node " + id + ": "
                + String.join(" ", cmd.subList(cmd.indexOf(StoreNodeMain.class.getName()), cmd.size())) + "\n");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
        LIVE.add(process);
        paused = false;
        up = false;
        newChannel();
        return this;
    }

    /** A new channel each start: the old one may be deep in reconnect back-off. */
    private void newChannel() {
        if (channel != null) {
            channel.shutdownNow();
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
    }

    /** Waits until the node's gRPC server answers a Status call; fails at once if the process exits. */
    public NodeProcess awaitUp(Duration atMost) {
        try {
            Awaitility.await("node " + id + " answers Status").atMost(atMost).pollInterval(Duration.ofMillis(100))
                    .failFast("node " + id + " exited", () -> !isRunning())
                    .ignoreExceptions()
                    .until(() -> status(Duration.ofSeconds(2)) != null);
            up = true;
        } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError(e.getMessage() + "\n" + logTail(60), e);
        }
        return this;
    }

    /**
     * Starts the process and expects it to refuse: waits for it to exit (at most {@code atMost}) and returns its
     * exit code and what it printed on stderr. Stdout still goes to the log, and stderr is appended to it too. A
     * process that answers a Status call instead fails the test at once.
     */
    public Exit startExpectingExit(Duration atMost) {
        Path stderrFile;
        Process p;
        synchronized (this) {
            if (isRunning()) {
                throw new IllegalStateException("node " + id + " is already running");
            }
            launches++;
            stderrFile = logFile.resolveSibling(logFile.getFileName() + ".start-" + launches + ".stderr");
            appendToLog("==== " + Instant.now() + " start #" + launches + " of node " + id + " on " + dataDir
                    + ", expected to refuse; stderr in " + stderrFile.getFileName() + "\n");
            try {
                p = new ProcessBuilder(command()).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .redirectError(stderrFile.toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start node " + id, e);
            }
            LIVE.add(p);
            process = p;
            up = false;
            newChannel();
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        try {
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                boolean answers;
                try {
                    answers = status(Duration.ofMillis(500)) != null;
                } catch (RuntimeException e) {
                    answers = false;
                }
                if (answers || System.nanoTime() > deadline) {
                    kill9();
                    throw new AssertionError("node " + id + (answers ? " started and answers Status" : " did not exit"
                            + " within " + atMost) + " although its data directory " + dataDir + " is damaged;"
                            + " stderr:\n" + read(stderrFile) + "\n" + logTail(40));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            LIVE.remove(p);
        }
        String stderr = read(stderrFile);
        appendToLog(stderr);
        return new Exit(p.exitValue(), stderr);
    }

    /** A node with the same id, ports and flags on another data directory (a copy), logging to {@code log}. */
    public NodeProcess twin(Path otherDataDir, Path log) {
        return new NodeProcess(id, port, metricsPort, otherDataDir, log, flags);
    }

    /** Sends SIGKILL without waiting for the process to end; {@link #kill9()} waits. */
    synchronized void sendSigkill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public synchronized void kill9() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit(process, Duration.ofSeconds(30));
        LIVE.remove(process);
        paused = false;
        appendToLog("==== " + Instant.now() + " node " + id + " killed with SIGKILL\n");
    }

    /** SIGTERM (the node closes its stores), then SIGKILL if it has not exited after 10 s. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        if (paused) {
            resume(); // a stopped process would not act on SIGTERM
        }
        process.destroy();
        if (!waitForExit(process, GRACE)) {
            appendToLog("==== " + Instant.now() + " node " + id + " ignored SIGTERM for " + GRACE + ": SIGKILL\n");
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(30));
        }
        LIVE.remove(process);
        appendToLog("==== " + Instant.now() + " node " + id + " stopped, exit code " + process.exitValue() + "\n");
    }

    /** Restarts with the same data directory and ports, after a graceful stop if it still runs. */
    public NodeProcess restart() {
        stop();
        return start();
    }

    /** SIGSTOP, by PID. */
    public void pause() {
        signal("-STOP");
        paused = true;
    }

    /** SIGCONT, by PID. */
    public void resume() {
        signal("-CONT");
        paused = false;
    }

    private void signal(String signal) {
        ChildJvm.signal(pid(), signal);
    }

    // ---------------------------------------------------------------- clients

    public synchronized ManagedChannel channel() {
        if (channel == null) {
            throw new IllegalStateException("node " + id + " was never started");
        }
        return channel;
    }

    public KVGrpc.KVBlockingStub kv(Duration deadline) {
        return KVGrpc.newBlockingStub(channel()).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public ClusterGrpc.ClusterBlockingStub cluster(Duration deadline) {
        return ClusterGrpc.newBlockingStub(channel()).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public StatusResponse status(Duration deadline) {
        return cluster(deadline).status(StatusRequest.getDefaultInstance());
    }

    /** The test-only Faults service; served only by a node started with --fault-injection. */
    public FaultsGrpc.FaultsBlockingStub faults(Duration deadline) {
        return FaultsGrpc.newBlockingStub(channel()).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The whole Prometheus text of the node's /metrics endpoint. */
    public String scrapeMetrics() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("/metrics of node " + id + " answered " + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape node " + id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of a metric without labels other than the node's own, if the node exports it. */
    public Optional<Double> metric(String name) {
        for (String line : scrapeMetrics().split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Optional.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- the log

    /** The last {@code lines} lines of the node's log, under a heading. */
    public String logTail(int lines) {
        return ChildJvm.tail("node " + id, logFile, lines);
    }

    private void appendToLog(String text) {
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        return ChildJvm.read(file);
    }

    private static boolean waitForExit(Process p, Duration atMost) {
        try {
            return p.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Kills the process if it still runs and closes the client channel. */
    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit(process, Duration.ofSeconds(30));
        }
        if (process != null) {
            LIVE.remove(process);
        }
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
