package dev.leasehold.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/** The load loops, the same for both systems. */
final class Workloads {

    /** How long one request may take before the benchmark gives up on the run. */
    static final long OP_TIMEOUT_SECONDS = 30;

    /** What a measured loop saw. {@code opsPerSecond} counts completions inside the measured window. */
    record Measured(LatencyLog.Summary latency, long ops, double seconds, double opsPerSecond, long errors,
                    String firstError) {
    }

    private Workloads() {
    }

    /**
     * One request at a time: {@code warmup} unmeasured requests, {@code atStart}, then {@code count} measured
     * ones. Key i of the run is {@code i % keys}.
     */
    static Measured sequential(IntFunction<CompletableFuture<?>> op, int warmup, int count, int keys,
                               Runnable atStart) {
        for (int i = 0; i < warmup; i++) {
            await(op.apply(i % keys));
        }
        atStart.run();
        LatencyLog log = new LatencyLog();
        long errors = 0;
        String firstError = null;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            try {
                await(op.apply((warmup + i) % keys));
                log.add(System.nanoTime() - t0);
            } catch (RuntimeException e) {
                errors++;
                firstError = firstError == null ? e.toString() : firstError;
                if (errors > Math.max(10, count / 100)) {
                    throw new IllegalStateException("too many failed requests; first: " + firstError, e);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measured(log.summary(), count, seconds, count / seconds, errors, firstError);
    }

    /**
     * Exactly {@code inFlight} requests outstanding (a semaphore of that many permits): {@code warmup} of
     * unmeasured load, {@code atStart}, then a measured {@code window}. Throughput counts the requests completed
     * inside the window; latency is that of the requests started inside it. Keys come from {@code nextKey}
     * (called with the request's sequence number, on this thread only).
     */
    static Measured concurrent(IntFunction<CompletableFuture<?>> op, int inFlight, Duration warmup, Duration window,
                               IntUnaryOperator nextKey, Runnable atStart) {
        Semaphore permits = new Semaphore(inFlight);
        LatencyLog log = new LatencyLog();
        AtomicLong completedInWindow = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        long warmupEnd = System.nanoTime() + warmup.toNanos();
        AtomicLong sharedStart = new AtomicLong(Long.MAX_VALUE); // the measured window [start, end), once warm
        AtomicLong sharedEnd = new AtomicLong(Long.MAX_VALUE);
        boolean measuring = false;
        long windowStart = Long.MAX_VALUE;
        long windowEnd = Long.MAX_VALUE;
        for (int seq = 0; ; seq++) {
            acquire(permits, 1);
            long t0 = System.nanoTime();
            if (!measuring && t0 >= warmupEnd) {
                atStart.run();
                measuring = true;
                windowStart = System.nanoTime();
                windowEnd = windowStart + window.toNanos();
                sharedEnd.set(windowEnd);
                sharedStart.set(windowStart);
                t0 = windowStart;
            }
            if (t0 >= windowEnd) {
                permits.release();
                break;
            }
            boolean record = measuring;
            CompletableFuture<?> f;
            try {
                f = op.apply(nextKey.applyAsInt(seq));
            } catch (RuntimeException e) {
                permits.release();
                throw e;
            }
            final long started = t0;
            f.whenComplete((ignored, error) -> {
                long t1 = System.nanoTime();
                if (error != null) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, error.toString());
                } else {
                    if (t1 >= sharedStart.get() && t1 < sharedEnd.get()) {
                        completedInWindow.incrementAndGet();
                    }
                    if (record) {
                        log.add(t1 - started);
                    }
                }
                permits.release();
            });
            if (errors.get() > 1000) {
                throw new IllegalStateException("too many failed requests; first: " + firstError.get());
            }
        }
        acquire(permits, inFlight); // every request has answered
        permits.release(inFlight);
        double seconds = window.toNanos() / 1e9;
        LatencyLog.Summary summary = log.summary();
        return new Measured(summary, summary.count(), seconds, completedInWindow.get() / seconds, errors.get(),
                firstError.get());
    }

    /** Writes every key once, {@code inFlight} at a time; fails on any error. */
    static void preload(IntFunction<CompletableFuture<?>> put, int keys, int inFlight) {
        Semaphore permits = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int k = 0; k < keys && failure.get() == null; k++) {
            acquire(permits, 1);
            put.apply(k).whenComplete((ignored, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
                permits.release();
            });
        }
        acquire(permits, inFlight);
        permits.release(inFlight);
        if (failure.get() != null) {
            throw new IllegalStateException("preloading the keys failed: " + failure.get(), failure.get());
        }
    }

    private static void acquire(Semaphore permits, int n) {
        try {
            if (!permits.tryAcquire(n, OP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("requests did not answer within " + OP_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The answer of {@code f}, waited for at most {@value #OP_TIMEOUT_SECONDS} s. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(OP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("no answer within " + OP_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
