package dev.leasehold.bench;

import dev.leasehold.bench.LockDriver.Held;
import dev.leasehold.bench.LockDriver.LockUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Lock+unlock cycles, the same for both systems: {@code clients} users, user i on lock {@code i % locks}, each
 * doing acquire → release → acquire … back to back, one cycle at a time. A cycle lasts from the acquire call to the
 * answer of its release. While cycling, each user marks its lock held from the grant until just before it sends
 * the release; a grant that finds the lock marked is an overlap, which a safe lock never shows (the release is sent
 * after the mark is gone, and the next grant can only follow it).
 */
final class LockCycles {

    /** A scenario: how many users on how many locks. */
    record Shape(int clients, int locks) {
        String label() {
            return String.format(Locale.ROOT, "%d client%s on %s", clients, clients == 1 ? "" : "s",
                    locks == 1 ? "one lock" : locks + " locks");
        }
    }

    /**
     * What the users saw besides latency: cycles completed inside the window per user, grants that found their
     * lock held by another user, and grants whose fence did not exceed the lock's previous one.
     */
    record Tally(long[] cyclesPerClient, long overlaps, long fenceRegressions) {
        static final Tally NONE = new Tally(new long[0], 0, 0);

        /** Most cycles of one user over the fewest (infinite when one user completed none). */
        double fairness() {
            long max = Arrays.stream(cyclesPerClient).max().orElse(0);
            long min = Arrays.stream(cyclesPerClient).min().orElse(0);
            return min == 0 ? Double.POSITIVE_INFINITY : (double) max / min;
        }
    }

    /** What a lock is as the users see it: who marks it held now, and the fence of its last grant. */
    private static final class Watched {
        final String name;
        final AtomicInteger holders = new AtomicInteger();
        long lastFence; // guarded by this

        Watched(String name) {
            this.name = name;
        }

        /** False when the grant overlaps another user's hold. */
        boolean enter() {
            return holders.incrementAndGet() == 1;
        }

        void exit() {
            holders.decrementAndGet();
        }

        /** False when {@code fence} does not exceed the last grant's. */
        synchronized boolean advance(long fence) {
            boolean increased = fence > lastFence;
            lastFence = Math.max(lastFence, fence);
            return increased;
        }
    }

    private LockCycles() {
    }

    /**
     * Runs {@code shape} for {@code leadIn} unmeasured, calls {@code atStart}, then measures {@code window}.
     * Throughput counts cycles completed inside the window; latency is that of the cycles started inside it. A user
     * whose call fails stops; the failure is counted.
     */
    static Result run(LockDriver driver, Shape shape, Duration leadIn, Duration window, Runnable atStart) {
        List<LockUser> users = new ArrayList<>();
        try {
            for (int i = 0; i < shape.clients(); i++) {
                users.add(driver.user()); // sessions and leases are granted before anything is timed
            }
            Watched[] locks = new Watched[shape.locks()];
            for (int l = 0; l < locks.length; l++) {
                locks[l] = new Watched(String.format(Locale.ROOT, "bench/lock-%02d", l));
            }
            Loop loop = new Loop(locks, shape.clients());
            for (int i = 0; i < users.size(); i++) {
                loop.cycle(users.get(i), i);
            }
            sleep(leadIn);
            atStart.run();
            long start = System.nanoTime();
            loop.windowEnd.set(start + window.toNanos());
            loop.windowStart.set(start);
            sleep(window);
            loop.stopping = true;
            // Each user finishes the cycle it is in; on one lock that waits for everyone queued ahead of it.
            if (!await(loop.finished, Workloads.OP_TIMEOUT_SECONDS + shape.clients())) {
                throw new IllegalStateException(loop.finished.getCount() + " lock users did not finish their cycle "
                        + "within " + (Workloads.OP_TIMEOUT_SECONDS + shape.clients()) + " s");
            }
            double seconds = window.toNanos() / 1e9;
            LatencyLog.Summary summary = loop.latency.summary();
            long[] perClient = new long[shape.clients()];
            long completed = 0;
            for (int i = 0; i < perClient.length; i++) {
                perClient[i] = loop.cyclesInWindow.get(i);
                completed += perClient[i];
            }
            return new Result(new Workloads.Measured(summary, summary.count(), seconds, completed / seconds,
                    loop.errors.get(), loop.firstError.get()),
                    new Tally(perClient, loop.overlaps.get(), loop.fenceRegressions.get()));
        } finally {
            users.forEach(LockUser::close);
        }
    }

    /** A scenario's measurement: the usual one and the lock tally. */
    record Result(Workloads.Measured measured, Tally tally) {
    }

    /** The users' cycles, chained on the clients' callback threads (no thread per user). */
    private static final class Loop {
        final Watched[] locks;
        final CountDownLatch finished;
        final LatencyLog latency = new LatencyLog();
        final AtomicLongArray cyclesInWindow;
        final AtomicLong windowStart = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong windowEnd = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicLong overlaps = new AtomicLong();
        final AtomicLong fenceRegressions = new AtomicLong();
        volatile boolean stopping;

        Loop(Watched[] locks, int clients) {
            this.locks = locks;
            this.finished = new CountDownLatch(clients);
            this.cyclesInWindow = new AtomicLongArray(clients);
        }

        void cycle(LockUser user, int client) {
            if (stopping) {
                finished.countDown();
                return;
            }
            Watched lock = locks[client % locks.length];
            long started = System.nanoTime();
            user.acquire(lock.name).whenComplete((held, error) -> {
                if (error != null) {
                    fail(error);
                    return;
                }
                hold(lock, held);
                held.release().get().whenComplete((ignored, releaseError) -> {
                    if (releaseError != null) {
                        fail(releaseError);
                        return;
                    }
                    long ended = System.nanoTime();
                    if (ended >= windowStart.get() && ended < windowEnd.get()) {
                        cyclesInWindow.incrementAndGet(client);
                    }
                    if (started >= windowStart.get()) {
                        latency.add(ended - started);
                    }
                    cycle(user, client);
                });
            });
        }

        /** The user's view of its hold: from the grant to just before the release goes out. */
        private void hold(Watched lock, Held held) {
            if (!lock.enter()) {
                overlaps.incrementAndGet();
                firstError.compareAndSet(null, "two users held " + lock.name + " at once");
            }
            if (!lock.advance(held.fence())) {
                fenceRegressions.incrementAndGet();
                firstError.compareAndSet(null, "fence " + held.fence() + " of " + lock.name
                        + " did not exceed the previous grant's");
            }
            lock.exit();
        }

        private void fail(Throwable error) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, String.valueOf(error));
            finished.countDown();
        }
    }

    private static boolean await(CountDownLatch latch, long seconds) {
        try {
            return latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
