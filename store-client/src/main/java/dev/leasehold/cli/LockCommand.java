package dev.leasehold.cli;

import dev.leasehold.api.v1.DescribeLockResponse;
import dev.leasehold.client.DistributedLock;
import dev.leasehold.client.FencingToken;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code leasehold lock NAME -- CMD ARGS...}: runs a command while holding a lock, and stops it if the lock is
 * lost; {@code leasehold lock describe NAME}: who holds a lock and who waits.
 */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = {"Runs CMD while holding lock NAME: waits for the lock, runs the command with the fencing token "
                + "in LEASEHOLD_FENCING_TOKEN, releases the lock when it exits, and exits with its exit code.",
            "If the lock is lost (the session could not be kept alive), the command gets SIGTERM, and SIGKILL "
                + "after the grace period."},
        synopsisSubcommandLabel = "[describe]")
final class LockCommand implements Callable<Integer> {

    /** Exit code when the command cannot be started, as in a shell. */
    static final int CANNOT_RUN = 127;

    @ParentCommand
    LeaseholdCli cli;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "the lock")
    String name;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "the command and its arguments, after --")
    List<String> command;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "10s",
            converter = LeaseholdCli.TimeoutConverter.class,
            description = "the session's time to live, 1s to 300s: how soon the lock passes on if this process "
                    + "dies (default ${DEFAULT-VALUE})")
    Duration ttl;

    @Option(names = "--wait", paramLabel = "DURATION", converter = LeaseholdCli.TimeoutConverter.class,
            description = "give up (exit 1) if the lock is not granted within this time (default: wait as long "
                    + "as it takes)")
    Duration wait;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10s",
            converter = LeaseholdCli.TimeoutConverter.class,
            description = "after SIGTERM, how long the command may take to exit before SIGKILL "
                    + "(default ${DEFAULT-VALUE})")
    Duration grace;

    private final Object lock = new Object();
    private Process process;
    private boolean finished;

    @Override
    public Integer call() throws InterruptedException {
        if (name == null) {
            return LeaseholdCli.usage(spec);
        }
        if (command == null || command.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "give the command to run after --, as in: leasehold lock " + name + " -- CMD ARGS...");
        }
        try (LeaseholdClient client = cli.connect()) {
            Session session = client.newSession(ttl);
            Thread cleanUp = new Thread(() -> {
                stopCommand();
                endQuietly(session);
            }, "leasehold-lock-shutdown");
            Runtime.getRuntime().addShutdownHook(cleanUp);
            try {
                return holdAndRun(session);
            } finally {
                synchronized (lock) {
                    finished = true;
                }
                removeHook(cleanUp);
                endQuietly(session);
            }
        }
    }

    private int holdAndRun(Session session) throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        DistributedLock held = session.lock(name);
        Optional<FencingToken> granted = wait == null
                ? Optional.of(held.acquire(place -> say("waiting for lock " + name + " (place " + place + ")")))
                : held.tryAcquire(wait);
        if (granted.isEmpty()) {
            say("lock " + name + " was not granted within " + wait.toMillis() + "ms");
            return LeaseholdCli.FAILED;
        }
        FencingToken token = granted.get();
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        Map<String, String> env = builder.environment();
        env.put("LEASEHOLD_FENCING_TOKEN", Long.toString(token.value()));
        env.put("LEASEHOLD_LOCK", name);
        env.put("LEASEHOLD_SESSION_ID", Long.toString(session.id()));
        env.put("LEASEHOLD_CLUSTER_ID", token.clusterId());
        synchronized (lock) {
            try {
                process = builder.start();
            } catch (IOException e) {
                say("cannot run " + command.stream().map(a -> "'" + a + "'").collect(Collectors.joining(" "))
                        + ": " + e.getMessage());
                held.release();
                return CANNOT_RUN;
            }
        }
        session.lost().thenAccept(lost -> {
            synchronized (lock) {
                if (finished || !process.isAlive()) {
                    return;
                }
            }
            say("lock " + name + " lost (" + lost.getMessage() + "); stopping the command");
            new Thread(this::stopCommand, "leasehold-lock-stop").start();
        });
        int exit = process.waitFor();
        err.flush();
        if (session.isAlive()) {
            try {
                held.release();
            } catch (RuntimeException e) {
                say("could not release lock " + name + " (" + ErrorLine.describe(e, cli.timeout)
                        + "); it passes on when the session ends, " + ttl.toSeconds() + "s from now at most");
            }
        }
        return exit;
    }

    /** SIGTERM, then SIGKILL (also to what it started) if it has not exited within the grace period. */
    private void stopCommand() {
        Process p;
        synchronized (lock) {
            p = process;
        }
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                say("the command did not exit within " + grace.toMillis() + "ms of SIGTERM; sending SIGKILL");
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Revokes the session; if the store cannot be reached, the session ends by itself one TTL later. */
    private static void endQuietly(Session session) {
        try {
            session.close();
        } catch (RuntimeException e) {
            // ends by itself
        }
    }

    private void say(String line) {
        PrintWriter err = spec.commandLine().getErr();
        synchronized (err) {
            err.println("leasehold: " + line);
            err.flush();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it stops the command
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Prints who holds lock NAME, with the fencing token, and who waits, first in line first.")
    int describe(@Parameters(paramLabel = "NAME") String lockName) {
        DescribeLockResponse state;
        try (LeaseholdClient client = cli.connect()) {
            state = client.describeLock(lockName);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(state.getHeld()
                ? "held by session " + state.getHolder().getSessionId() + " with token " + state.getHolder().getToken()
                : "free");
        if (state.getWaitersCount() > 0) {
            out.println("waiting: " + state.getWaitersList().stream().map(id -> "session " + id)
                    .collect(Collectors.joining(", ")));
        }
        out.flush();
        return 0;
    }
}
