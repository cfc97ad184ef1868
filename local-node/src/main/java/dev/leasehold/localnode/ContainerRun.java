package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One container of a Pod as a local process: started from its command line, probed (startup first; then liveness
 * and readiness), restarted after an exit or a failed liveness or startup probe as the Pod's restart policy says,
 * with a kubelet's back-off (doubling from the node's base to five minutes, reset after ten minutes of running), and
 * stopped with SIGTERM, then SIGKILL once the grace period is over. Its output goes to {@code NAME.log} in the Pod's
 * directory, and its pid to {@code NAME.pid} (so a node that restarts finds what an earlier one left running).
 *
 * <p>Thread-safe; {@code onChange} hears of every change of its status.
 */
final class ContainerRun {

    private static final Logger LOG = Logger.getLogger(ContainerRun.class.getName());
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final Duration BACKOFF_RESET = Duration.ofMinutes(10);

    private final Container container;
    private final String pod;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path podDir;
    private final String podIp;
    private final String restartPolicy;
    private final Duration baseBackoff;
    private final Duration terminationGrace;
    private final ScheduledExecutorService timer;
    private final Runnable onChange;
    private final Clock clock = Clock.systemUTC();

    // guarded by this
    private Process process;
    /** Completes once the exit of {@link #process} has been recorded. */
    private CompletableFuture<Void> exitRecorded = CompletableFuture.completedFuture(null);
    private Instant startedAt;
    private ContainerState lastState;
    private ContainerState waiting;
    private int restarts;
    private Duration backoff;
    private boolean started;
    private boolean ready;
    private int readySuccesses;
    private boolean stopping;
    private ScheduledFuture<?> probing;
    private ScheduledFuture<?> restart;
    private int startupFailures;
    private int livenessFailures;
    private int readinessFailures;
    private int tick;

    ContainerRun(Container container, String pod, List<String> command, Map<String, String> environment, Path podDir,
                 String podIp, String restartPolicy, Duration baseBackoff, Duration terminationGrace,
                 ScheduledExecutorService timer, Runnable onChange) {
        this.container = container;
        this.pod = pod;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.podDir = podDir;
        this.podIp = podIp;
        this.restartPolicy = restartPolicy;
        this.baseBackoff = baseBackoff;
        this.backoff = baseBackoff;
        this.terminationGrace = terminationGrace;
        this.timer = timer;
        this.onChange = onChange;
    }

    String name() {
        return container.getName();
    }

    synchronized void start() {
        if (stopping || process != null && process.isAlive()) {
            return;
        }
        File log = podDir.resolve(container.getName() + ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(podDir.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        builder.environment().clear();
        builder.environment().putAll(environment);
        try {
            Files.writeString(podDir.resolve(container.getName() + ".log"), "==== " + clock.instant() + " start #"
                    + (restarts + 1) + ": " + String.join(" ", command) + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = builder.start();
            AtomicFiles.write(podDir.resolve(container.getName() + ".pid"), Long.toString(process.pid()));
        } catch (IOException e) {
            waiting = waitingState("RunContainerError", "cannot start " + command.get(0) + ": " + e.getMessage());
            scheduleRestart();
            onChange.run();
            return;
        }
        LOG.info(() -> pod + "/" + container.getName() + " started as pid " + process.pid());
        Process mine = process;
        startedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        waiting = null;
        started = container.getStartupProbe() == null;
        ready = false;
        readySuccesses = 0;
        startupFailures = 0;
        livenessFailures = 0;
        readinessFailures = 0;
        tick = 0;
        if (started && container.getReadinessProbe() == null) {
            ready = true;
        }
        probing = timer.scheduleWithFixedDelay(this::probe, 1, 1, TimeUnit.SECONDS);
        exitRecorded = mine.onExit().thenAccept(this::exited);
        onChange.run();
    }

    /** Every second: the probes whose period has come round (startup alone until it succeeded). */
    private void probe() {
        Probe startup;
        Probe liveness;
        Probe readiness;
        int now;
        synchronized (this) {
            if (stopping || process == null || !process.isAlive()) {
                return;
            }
            now = ++tick;
            startup = started ? null : container.getStartupProbe();
            liveness = started ? container.getLivenessProbe() : null;
            readiness = started ? container.getReadinessProbe() : null;
        }
        if (startup != null && due(startup, now)) {
            ProbeCheck.Result r = ProbeCheck.run(startup, container, podIp);
            synchronized (this) {
                if (r.success()) {
                    started = true;
                    ready = container.getReadinessProbe() == null;
                    onChange.run();
                } else if (++startupFailures >= threshold(startup.getFailureThreshold(), 3)) {
                    kill("startup probe failed " + startupFailures + " times: " + r.message());
                }
            }
            return;
        }
        if (liveness != null && due(liveness, now)) {
            ProbeCheck.Result r = ProbeCheck.run(liveness, container, podIp);
            synchronized (this) {
                livenessFailures = r.success() ? 0 : livenessFailures + 1;
                if (livenessFailures >= threshold(liveness.getFailureThreshold(), 3)) {
                    kill("liveness probe failed " + livenessFailures + " times: " + r.message());
                    return;
                }
            }
        }
        if (readiness != null && due(readiness, now)) {
            ProbeCheck.Result r = ProbeCheck.run(readiness, container, podIp);
            synchronized (this) {
                boolean before = ready;
                if (r.success()) {
                    readinessFailures = 0;
                    if (++readySuccesses >= threshold(readiness.getSuccessThreshold(), 1)) {
                        ready = true;
                    }
                } else {
                    readySuccesses = 0;
                    if (++readinessFailures >= threshold(readiness.getFailureThreshold(), 3)) {
                        ready = false;
                    }
                }
                if (before != ready) {
                    onChange.run();
                }
            }
        }
    }

    private static boolean due(Probe probe, int tick) {
        int delay = Objects.requireNonNullElse(probe.getInitialDelaySeconds(), 0);
        int period = Math.max(1, Objects.requireNonNullElse(probe.getPeriodSeconds(), 10));
        return tick > delay && (tick - delay - 1) % period == 0;
    }

    private static int threshold(Integer value, int fallback) {
        return Math.max(1, Objects.requireNonNullElse(value, fallback));
    }

    /** A failed probe: the process is killed, and restarted once it has gone. */
    private void kill(String why) {
        LOG.warning(() -> pod + "/" + container.getName() + ": " + why + "; restarting it");
        if (process != null) {
            process.destroy();
            Process victim = process;
            timer.schedule(() -> {
                if (victim.isAlive()) {
                    victim.destroyForcibly();
                }
            }, terminationGrace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void exited(Process gone) {
        if (gone != process) {
            return;
        }
        if (probing != null) {
            probing.cancel(false);
        }
        Instant finished = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        int code = gone.exitValue();
        lastState = new ContainerStateBuilder().withNewTerminated()
                .withExitCode(code).withReason(code == 0 ? "Completed" : "Error")
                .withStartedAt(startedAt.toString()).withFinishedAt(finished.toString())
                .withContainerID(containerId(gone.pid()))
                .endTerminated().build();
        ready = false;
        started = false;
        LOG.info(() -> pod + "/" + container.getName() + " (pid " + gone.pid() + ") exited with " + code);
        if (Duration.between(startedAt, finished).compareTo(BACKOFF_RESET) > 0) {
            backoff = baseBackoff;
        }
        boolean again = !stopping && ("Always".equals(restartPolicy) || "OnFailure".equals(restartPolicy) && code != 0);
        if (again) {
            waiting = waitingState("CrashLoopBackOff", "back-off " + backoff.toSeconds() + "s restarting failed "
                    + "container=" + container.getName() + " pod=" + pod);
            scheduleRestart();
        }
        onChange.run();
    }

    private void scheduleRestart() {
        Duration delay = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        restart = timer.schedule(() -> {
            synchronized (this) {
                if (stopping) {
                    return;
                }
                restarts++;
            }
            start();
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the process: SIGTERM, then SIGKILL after {@code grace}; returns once it has gone. No restart follows.
     */
    void stop(Duration grace) throws InterruptedException {
        Process running;
        CompletableFuture<Void> recorded;
        synchronized (this) {
            stopping = true;
            if (restart != null) {
                restart.cancel(false);
            }
            if (probing != null) {
                probing.cancel(false);
            }
            running = process;
            recorded = exitRecorded;
        }
        if (running != null) {
            running.destroy();
            if (!running.waitFor(Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                LOG.warning(() -> pod + "/" + container.getName() + " did not stop within " + grace.toSeconds()
                        + " s of SIGTERM; killing it");
                running.destroyForcibly();
                running.waitFor();
            }
        }
        recorded.join();
    }

    synchronized Optional<Long> pid() {
        return process != null && process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
    }

    synchronized boolean ready() {
        return ready && process != null && process.isAlive();
    }

    synchronized boolean running() {
        return process != null && process.isAlive();
    }

    synchronized ContainerStatus status(String image, String imageId) {
        ContainerState state;
        if (process != null && process.isAlive()) {
            state = new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt.toString()).endRunning()
                    .build();
        } else if (waiting != null) {
            state = waiting;
        } else if (lastState != null) {
            state = lastState;
        } else {
            state = waitingState("ContainerCreating", null);
        }
        boolean alive = process != null && process.isAlive();
        return new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(image)
                .withImageID(imageId)
                .withContainerID(alive ? containerId(process.pid()) : null)
                .withReady(ready && alive)
                .withStarted(started && alive)
                .withRestartCount(restarts)
                .withState(state)
                .withLastState(alive || waiting != null ? Objects.requireNonNullElse(lastState, new ContainerState())
                        : new ContainerState())
                .build();
    }

    static ContainerState waitingState(String reason, String message) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting()
                .build();
    }

    private static String containerId(long pid) {
        return "process://" + pid;
    }
}
