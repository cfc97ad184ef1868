package dev.leasehold.store.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails the futures of requests that outlive the request timeout, with one periodic sweep for all of them.
 * {@code CompletableFuture.orTimeout} would schedule (and wake) a timer thread per request; every request here has
 * the same timeout, so deadlines arrive in order and a FIFO queue is enough. A request fails at most one sweep
 * period late.
 */
public final class Deadlines {

    private static final long SWEEP_MILLIS = 20;

    private record Watched(long deadlineNanos, CompletableFuture<?> future) {
    }

    private final ConcurrentLinkedQueue<Watched> queue = new ConcurrentLinkedQueue<>();
    private final long timeoutNanos;

    public Deadlines(Duration timeout, ScheduledExecutorService scheduler) {
        this.timeoutNanos = timeout.toNanos();
        scheduler.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Fails {@code future} with a {@link TimeoutException} unless it completes within the timeout. */
    public <T> CompletableFuture<T> watch(CompletableFuture<T> future) {
        if (!future.isDone()) {
            queue.add(new Watched(System.nanoTime() + timeoutNanos, future));
        }
        return future;
    }

    void sweep() {
        long now = System.nanoTime();
        for (Watched w = queue.peek(); w != null; w = queue.peek()) {
            if (!w.future().isDone() && now - w.deadlineNanos() < 0) {
                return;
            }
            queue.poll();
            w.future().completeExceptionally(new TimeoutException());
        }
    }
}
