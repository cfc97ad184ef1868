package dev.leasehold.linearizability;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** How long each known history took to check, for the slowest-history report. */
final class Timings {

    private final String what;
    private final Map<String, Long> nanos = new ConcurrentHashMap<>();

    Timings(String what) {
        this.what = what;
    }

    void record(String name, long elapsedNanos) {
        nanos.put(name, elapsedNanos);
    }

    /** One line: how many, the total and the slowest few. */
    String report() {
        List<Map.Entry<String, Long>> slowest = nanos.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(3).toList();
        long total = nanos.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder line = new StringBuilder(String.format("%s: %d histories checked in %.1f ms; slowest:",
                what, nanos.size(), total / 1e6));
        for (Map.Entry<String, Long> e : slowest) {
            line.append(String.format(" %s %.1f ms,", e.getKey(), e.getValue() / 1e6));
        }
        line.setLength(line.length() - 1);
        return line.toString();
    }
}
