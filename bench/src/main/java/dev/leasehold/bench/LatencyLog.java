package dev.leasehold.bench;

import java.util.Arrays;

/** Latencies in nanoseconds, appended from any thread; summarised once the workload has finished. */
final class LatencyLog {

    private long[] values = new long[1 << 14];
    private int size;

    synchronized void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    synchronized Summary summary() {
        return Summary.of(Arrays.copyOf(values, size));
    }

    /** Count, mean and nearest-rank percentiles, in nanoseconds. */
    record Summary(int count, double meanNanos, long p50Nanos, long p99Nanos, long maxNanos) {

        static Summary of(long[] nanos) {
            if (nanos.length == 0) {
                return new Summary(0, Double.NaN, -1, -1, -1);
            }
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            double sum = 0;
            for (long v : sorted) {
                sum += v;
            }
            return new Summary(sorted.length, sum / sorted.length, percentile(sorted, 0.50), percentile(sorted, 0.99),
                    sorted[sorted.length - 1]);
        }

        /** The nearest-rank percentile: the smallest value that at least {@code p} of the values do not exceed. */
        static long percentile(long[] sorted, double p) {
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
        }
    }
}
