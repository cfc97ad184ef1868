package dev.leasehold.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process the benchmark starts. Each one's PID is appended to a file (read by scripts/bench, which stops any
 * that survive a killed benchmark); {@link #stopAll} stops them by their handles (SIGTERM, then SIGKILL after a
 * grace period), never by name. A JVM shutdown hook calls it too, so Ctrl-C and failures clean up.
 */
final class ChildProcesses implements AutoCloseable {

    private record Child(String name, Process process) {
    }

    private final List<Child> children = new ArrayList<>();
    private final Path pidFile;
    private boolean stopped;

    ChildProcesses(Path pidFile) {
        this.pidFile = pidFile;
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "stop-children"));
    }

    synchronized Process start(String name, List<String> command, Path log) {
        if (stopped) {
            throw new IllegalStateException("already stopping");
        }
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            children.add(new Child(name, p));
            Files.writeString(pidFile, p.pid() + " " + name + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** Fails if a child has exited: the benchmark would otherwise measure a cluster that lost a member. */
    synchronized void checkAlive() {
        for (Child c : children) {
            if (!c.process().isAlive()) {
                throw new IllegalStateException(c.name() + " (pid " + c.process().pid() + ") exited with "
                        + c.process().exitValue() + "; see its log");
            }
        }
    }

    /** CPU time used so far by every child still known, plus this JVM. */
    synchronized java.time.Duration totalCpu() {
        java.time.Duration total = ProcessHandle.current().info().totalCpuDuration().orElse(java.time.Duration.ZERO);
        for (Child c : children) {
            total = total.plus(c.process().toHandle().info().totalCpuDuration().orElse(java.time.Duration.ZERO));
        }
        return total;
    }

    synchronized void stopAll() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Child c : children) {
            c.process().destroy(); // SIGTERM, to this PID only
        }
        for (Child c : children) {
            try {
                if (!c.process().waitFor(10, TimeUnit.SECONDS)) {
                    System.err.println("bench: " + c.name() + " (pid " + c.process().pid()
                            + ") ignored SIGTERM; killing it");
                    c.process().destroyForcibly();
                    c.process().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                c.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stopAll();
    }
}
