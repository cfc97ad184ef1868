package dev.leasehold.store.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A Java main class run in a JVM of its own, with this JVM's class path, its stdout and stderr in one log file.
 * The test can freeze it with SIGSTOP and thaw it with SIGCONT, sent to exactly its pid (never by name), and
 * {@link #close()} kills it (SIGKILL) if it still runs.
 *
 * <p>Every process started here is also registered with a JVM shutdown hook that kills it, so that a test JVM that
 * dies without running {@link #close()} leaves no child behind.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "kill-child-jvms"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code main} with {@code args}.
     *
     * @param name       names the child in messages
     * @param jvmOptions options before the class path, such as {@code -Xmx64m}
     * @param log        where stdout and stderr go (appended)
     */
    public static ChildJvm start(String name, Class<?> main, List<String> jvmOptions, List<String> args, Path log) {
        List<String> cmd = command(jvmOptions, main.getName());
        cmd.addAll(args);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            LIVE.add(p);
            return new ChildJvm(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** {@code java <jvmOptions> -cp <this JVM's class path> <mainClass>}, to which the caller adds arguments. */
    static List<String> command(List<String> jvmOptions, String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }

    /** Sends {@code signal} (such as {@code -STOP}) to process {@code pid} with kill(1), and checks that it went. */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGSTOP to this child's pid: it stops wherever it is, its sockets stay open. */
    public void pause() {
        signal(pid(), "-STOP");
    }

    /** SIGCONT to this child's pid. */
    public void resume() {
        signal(pid(), "-CONT");
    }

    /** Waits at most {@code atMost} for the child to exit; its exit code, if it did. */
    public OptionalInt awaitExit(Duration atMost) {
        try {
            return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)
                    ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /** The last {@code lines} lines of the child's log, under a heading. */
    public String logTail(int lines) {
        return tail(name, log, lines);
    }

    /** The last {@code lines} lines of {@code file}, under a heading that names {@code what}. */
    static String tail(String what, Path file, int lines) {
        String[] all = read(file).split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return "---- " + what + " (" + file + "), last " + (all.length - from) + " lines:\n"
                + String.join("\n", List.of(all).subList(from, all.length)) + "\n";
    }

    /** The whole file, or a note saying why it cannot be read; empty if it does not exist. */
    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Kills the child (SIGKILL, which ends a stopped process too) if it still runs, and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(process);
    }
}
