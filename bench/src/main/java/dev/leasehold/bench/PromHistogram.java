package dev.leasehold.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Prometheus histogram (cumulative buckets, sum, count) read from a /metrics text page, summed over every
 * series of that name. Two scrapes subtract, giving the histogram of what happened between them.
 */
record PromHistogram(TreeMap<Double, Double> buckets, double sum, double count) {

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+).*$");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    static final PromHistogram EMPTY = new PromHistogram(new TreeMap<>(), 0, 0);

    /** The histogram {@code name} (without _bucket/_sum/_count) in {@code page}; empty when absent. */
    static PromHistogram parse(String page, String name) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        double sum = 0;
        double count = 0;
        for (String line : page.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String metric = m.group(1);
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            if (metric.equals(name + "_bucket") && m.group(2) != null) {
                Matcher le = LE.matcher(m.group(2));
                if (le.find()) {
                    String bound = le.group(1);
                    double b = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                    buckets.merge(b, value, Double::sum);
                }
            } else if (metric.equals(name + "_sum")) {
                sum += value;
            } else if (metric.equals(name + "_count")) {
                count += value;
            }
        }
        return new PromHistogram(buckets, sum, count);
    }

    /** A counter or gauge (summed over its series), or 0 when absent. */
    static double scalar(String page, String name) {
        double total = 0;
        for (String line : page.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(1).equals(name)) {
                try {
                    total += Double.parseDouble(m.group(3));
                } catch (NumberFormatException ignored) {
                    // NaN and friends
                }
            }
        }
        return total;
    }

    PromHistogram minus(PromHistogram earlier) {
        TreeMap<Double, Double> b = new TreeMap<>();
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            b.put(e.getKey(), e.getValue() - earlier.buckets.getOrDefault(e.getKey(), 0.0));
        }
        return new PromHistogram(b, sum - earlier.sum, count - earlier.count);
    }

    PromHistogram plus(PromHistogram other) {
        TreeMap<Double, Double> b = new TreeMap<>(buckets);
        other.buckets.forEach((k, v) -> b.merge(k, v, Double::sum));
        return new PromHistogram(b, sum + other.sum, count + other.count);
    }

    double meanSeconds() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The {@code q} quantile in seconds, interpolated linearly inside the bucket that holds it (as PromQL's
     * histogram_quantile does); NaN without observations.
     */
    double quantileSeconds(double q) {
        if (count <= 0 || buckets.isEmpty()) {
            return Double.NaN;
        }
        double rank = q * count;
        double lowerBound = 0;
        double lowerCount = 0;
        for (Map.Entry<Double, Double> e : buckets.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound;
                }
                double inBucket = e.getValue() - lowerCount;
                double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return lowerBound + (e.getKey() - lowerBound) * fraction;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return lowerBound;
    }
}
