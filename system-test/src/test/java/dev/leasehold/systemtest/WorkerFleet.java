package dev.leasehold.systemtest;

import dev.leasehold.store.process.ChildJvm;
import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryEvent;
import dev.leasehold.systemtest.worker.LockWorker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The {@link LockWorker} JVMs of a test: each with its history file and log under the test's output directory,
 * told what to do through files in a control directory. {@link #close()} kills every one still running.
 */
final class WorkerFleet implements AutoCloseable {

    private static final List<String> JVM_OPTIONS = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-Xss512k");

    private final Path out;
    private final Path control;
    private final Map<String, ChildJvm> workers = new LinkedHashMap<>();

    private WorkerFleet(Path out, Path control) {
        this.out = out;
        this.control = control;
    }

    /**
     * Starts {@code count} workers named w1, w2, ... on {@code nodes} ({@code id=host:port,...}); worker i prefers
     * node i modulo the node count.
     */
    static WorkerFleet start(int count, String nodes, List<String> locks, Duration ttl, Path out) {
        Path control = out.resolve("control");
        try {
            Files.createDirectories(control);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        WorkerFleet fleet = new WorkerFleet(out, control);
        try {
            for (int i = 1; i <= count; i++) {
                String name = "w" + i;
                fleet.workers.put(name, ChildJvm.start(name, LockWorker.class, JVM_OPTIONS, List.of(name, nodes,
                        fleet.historyOf(name).toString(), control.toString(), String.join(",", locks),
                        Long.toString(ttl.toMillis()), Integer.toString(i), clientOf(i)), out.resolve(name + ".log")));
            }
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    /** Odd workers use the Java client, as an application would; even ones raw gRPC. */
    static String clientOf(int worker) {
        return worker % 2 == 1 ? "java" : "grpc";
    }

    List<String> names() {
        return List.copyOf(workers.keySet());
    }

    ChildJvm worker(String name) {
        return workers.get(name);
    }

    Path historyOf(String name) {
        return out.resolve(name + ".history");
    }

    List<Path> histories() {
        return workers.keySet().stream().map(this::historyOf).filter(Files::exists).toList();
    }

    /** What worker {@code name} has recorded so far. */
    History historyOfWorker(String name) {
        Path file = historyOf(name);
        return Files.exists(file) ? History.read(List.of(file)) : History.of(List.of());
    }

    /** The notes {@code event} of worker {@code name} so far. */
    List<HistoryEvent> notes(String name, String event) {
        return historyOfWorker(name).notes(event).toList();
    }

    /** Asks worker {@code name} to announce its next grant and wait to be frozen. */
    void requestPause(String name) {
        try {
            Files.writeString(control.resolve("pause-" + name), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tells every worker to finish its round, revoke its session and exit; their exit codes by name. */
    Map<String, OptionalInt> stop(Duration atMost) {
        try {
            Files.writeString(control.resolve("stop"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long end = System.nanoTime() + atMost.toNanos();
        Map<String, OptionalInt> exits = new LinkedHashMap<>();
        workers.forEach((name, jvm) -> exits.put(name,
                jvm.awaitExit(Duration.ofNanos(Math.max(0, end - System.nanoTime())))));
        return exits;
    }

    /** The tails of every worker's log, for assertion messages. */
    String logTails() {
        return workers.values().stream().map(w -> w.logTail(20)).collect(Collectors.joining());
    }

    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (ChildJvm w : workers.values()) {
            try { // SIGKILL ends a frozen worker too
                w.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        failures.forEach(Throwable::printStackTrace);
    }
}
