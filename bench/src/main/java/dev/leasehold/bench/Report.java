package dev.leasehold.bench;

import dev.leasehold.bench.BenchMain.Run;
import dev.leasehold.bench.BenchMain.Workload;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The Markdown report: the side-by-side table, the targets, where the time went, and the machine. */
final class Report {

    private static final String LEASEHOLD = "Leasehold";

    private final BenchOptions o;
    private final Instant startedAt;
    private final Map<String, String> machine;
    private final LatencyLog.Summary diskProbe;
    private final String loadAtStart;
    private final String loadAtEnd;
    private final List<String> clientVersions;
    private final List<SystemUnderTest> systems;
    private final Map<String, Map<Workload, Run>> results;

    Report(BenchOptions o, Instant startedAt, Map<String, String> machine, LatencyLog.Summary diskProbe,
           String loadAtStart, String loadAtEnd, List<String> clientVersions, List<SystemUnderTest> systems,
           Map<String, Map<Workload, Run>> results) {
        this.o = o;
        this.startedAt = startedAt;
        this.machine = machine;
        this.diskProbe = diskProbe;
        this.loadAtStart = loadAtStart;
        this.loadAtEnd = loadAtEnd;
        this.clientVersions = clientVersions;
        this.systems = systems;
        this.results = results;
    }

    String render() {
        StringBuilder b = new StringBuilder();
        List<String> names = systems.stream().map(SystemUnderTest::name).toList();
        boolean both = names.size() == 2;
        b.append("## ").append(String.join(" vs ", names)).append(", ")
                .append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC)
                        .format(startedAt)).append("\n\n");
        b.append(setUp()).append("\n\n");

        // The side-by-side table.
        b.append("| workload | measure | ").append(String.join(" | ", names));
        b.append(both ? " | Leasehold / etcd |\n" : " |\n");
        b.append("|---|---|").append("--:|".repeat(names.size())).append(both ? "--:|\n" : "\n");
        if (ran(Workload.SEQUENTIAL_PUT)) {
            String seq = label(Workload.SEQUENTIAL_PUT);
            row(b, seq, "p50 latency", Workload.SEQUENTIAL_PUT, r -> (double) r.measured().latency().p50Nanos(), Report::ms);
            row(b, "", "p99 latency", Workload.SEQUENTIAL_PUT, r -> (double) r.measured().latency().p99Nanos(), Report::ms);
            row(b, "", "mean latency", Workload.SEQUENTIAL_PUT, r -> r.measured().latency().meanNanos(), Report::ms);
            row(b, "", "throughput", Workload.SEQUENTIAL_PUT, r -> r.measured().opsPerSecond(), Report::ops);
            for (Workload w : List.of(Workload.PUT_IN_FLIGHT, Workload.GET_IN_FLIGHT)) {
                row(b, label(w), "throughput", w, r -> r.measured().opsPerSecond(), Report::ops);
                latencyRows(b, w);
            }
        }
        for (Workload w : lockWorkloads()) {
            row(b, label(w), "throughput", w, r -> r.measured().opsPerSecond(),
                    v -> String.format(Locale.ROOT, "%,.0f cycles/s", v));
            latencyRows(b, w);
            if (w == Workload.LOCK_CONTENDED) {
                row(b, "", "max/min cycles per client", w, r -> r.locks().fairness(), v -> num(v, 2));
            }
        }
        b.append("\nThe last column divides Leasehold's number by etcd's: above 1 is better for throughput, below 1 is "
                + "better for latency and fairness.\n\n");

        // Errors, leader changes and what the lock users saw.
        List<String> notes = new ArrayList<>();
        results.forEach((system, runs) -> runs.forEach((w, r) -> {
            if (r.measured().errors() > 0) {
                notes.add(system + ", " + w + ": " + r.measured().errors() + " failed requests (first: "
                        + r.measured().firstError() + ")");
            }
            if (r.locks().overlaps() > 0 || r.locks().fenceRegressions() > 0) {
                notes.add("**" + system + ", " + w + ": mutual exclusion broken as the clients saw it: "
                        + r.locks().overlaps() + " grants while another client held the lock, "
                        + r.locks().fenceRegressions() + " grants whose fence did not exceed the previous one**");
            }
            if (!r.leaderBefore().equals(r.leaderAfter())) {
                notes.add(system + ", " + w + ": the leader changed (" + r.leaderBefore() + " → " + r.leaderAfter()
                        + ")");
            }
        }));
        b.append(notes.isEmpty() ? "No request failed and no leader changed during the run.\n"
                : "Notes:\n" + notes.stream().map(n -> "- " + n + "\n").reduce("", String::concat));
        if (!lockWorkloads().isEmpty()) {
            b.append(String.format(Locale.ROOT, "%nLock safety as the clients saw it, over every measured lock "
                    + "cycle (%,d in all): %s.%n", lockWorkloads().stream().mapToLong(w -> results.values().stream()
                    .mapToLong(runs -> runs.get(w).measured().ops()).sum()).sum(), lockViolations() == 0
                    ? "no grant while another client held the lock, and every grant's fence (Leasehold's token, "
                    + "etcd's revision of the lock answer) exceeded the previous grant's of that lock"
                    : "**" + lockViolations() + " violations, listed above**"));
        }
        b.append("\n");

        if (both && results.containsKey(LEASEHOLD)) {
            b.append("Targets of the issue:\n");
            if (ran(Workload.PUT_IN_FLIGHT)) {
                double ratio = ratio(Workload.PUT_IN_FLIGHT, r -> r.measured().opsPerSecond());
                long lp50 = results.get(LEASEHOLD).get(Workload.SEQUENTIAL_PUT).measured().latency().p50Nanos();
                long ep50 = other(Workload.SEQUENTIAL_PUT).measured().latency().p50Nanos();
                b.append(String.format(Locale.ROOT, "- put throughput with %d in flight at least 1.5× etcd's: "
                        + "%.2f× — **%s**%n", o.inFlight(), ratio, ratio >= 1.5 ? "met" : "missed"));
                b.append(String.format(Locale.ROOT, "- sequential put p50 no worse than etcd's: %s vs %s — **%s**%n",
                        ms((double) lp50), ms((double) ep50), lp50 <= ep50 ? "met" : "missed"));
            }
            for (Workload w : lockWorkloads()) {
                double ratio = ratio(w, r -> r.measured().opsPerSecond());
                b.append(String.format(Locale.ROOT, "- lock+unlock cycles per second with %s at least 2× etcd's: "
                        + "%.2f× — **%s**%n", w.shape.label(), ratio, ratio >= 2 ? "met" : "missed"));
            }
            if (ran(Workload.LOCK_CONTENDED)) {
                double fairness = results.get(LEASEHOLD).get(Workload.LOCK_CONTENDED).locks().fairness();
                b.append(String.format(Locale.ROOT, "- %s: max/min cycles per client within 1.1: %.2f — **%s**%n",
                        Workload.LOCK_CONTENDED.shape.label(), fairness, fairness <= 1.1 ? "met" : "missed"));
            }
            b.append("\n");
        }

        // Where the time went.
        b.append("### Where the time goes (measured windows only, from each server's /metrics and /proc)\n\n");
        b.append("| workload | measure | ").append(String.join(" | ", names)).append(" |\n");
        b.append("|---|---|").append("--:|".repeat(names.size())).append("\n");
        for (Workload w : Workload.values()) {
            if (!ran(w)) {
                continue;
            }
            String label = w == Workload.SEQUENTIAL_PUT ? "sequential put" : label(w);
            cells(b, label, "leader log fsyncs per second", w, (s, r) ->
                    num(leaderHist(s, r, s.fsyncHistogram()).count() / seconds(r), 0));
            cells(b, "", "follower log fsyncs per second (both)", w, (s, r) ->
                    num(followerHist(s, r, s.fsyncHistogram()).count() / seconds(r), 0));
            cells(b, "", "leader fsync mean / ≈p50 / ≈p99", w, (s, r) ->
                    histogram(leaderHist(s, r, s.fsyncHistogram())));
            cells(b, "", "follower fsync mean / ≈p99", w, (s, r) -> {
                PromHistogram h = followerHist(s, r, s.fsyncHistogram());
                return h.count() == 0 ? "none"
                        : ms(h.meanSeconds() * 1e9) + " / " + ms(h.quantileSeconds(0.99) * 1e9);
            });
            if (w != Workload.GET_IN_FLIGHT) {
                cells(b, "", w.shape == null ? "requests per leader fsync" : "cycles per leader fsync", w,
                        (s, r) -> num(r.measured().opsPerSecond()
                        * r.measured().seconds() / Math.max(1, leaderHist(s, r, s.fsyncHistogram()).count()), 2));
            }
            for (SystemUnderTest s : systems) {
                for (String[] extra : s.extraHistograms()) {
                    cells(b, "", extra[1] + " mean / ≈p50 / ≈p99", w, (t, r) -> t == s
                            ? histogram(leaderHist(t, r, extra[0])) : "—");
                }
            }
            cells(b, "", "CPU busy (cores): leader / 2 followers / client JVM", w, (s, r) -> cpu(s, r));
            cells(b, "", "CPU busy (cores) of processes not started by the benchmark", w, (s, r) -> others(r));
        }
        b.append("\n≈: estimated from histogram buckets (Leasehold's start at 1 ms, etcd's double from 1 ms), so "
                + "they are coarse; means are exact. A 2-core machine has 2 cores to give.\n\n");

        // The machine.
        b.append("### Machine\n\n");
        machine.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append("\n"));
        b.append(String.format(Locale.ROOT, "- disk durable-write latency (4 KiB append + fdatasync, %d times, "
                + "before the clusters started): p50 %s, p99 %s%n", diskProbe.count(),
                ms((double) diskProbe.p50Nanos()), ms((double) diskProbe.p99Nanos())));
        b.append("- load average before the clusters started: ").append(loadAtStart).append("; at the end (counting the "
                + "benchmark's own processes): ").append(loadAtEnd).append("\n");
        b.append("- both clients in this one JVM: ").append(String.join(", ", clientVersions)).append("\n");
        b.append("- store nodes: -Xmx").append(o.nodeHeap())
                .append(o.nodeJavaOpts().isEmpty() ? "" : " " + String.join(" ", o.nodeJavaOpts()))
                .append(", default flags (tick 100ms, election 10 "
                + "ticks); etcd: default flags (heartbeat 100ms, election 1000ms, fsync on)\n");
        if (o.command() != null) {
            b.append("- command: `").append(o.command()).append("`\n");
        }
        return b.toString();
    }

    /** What was set up and warmed up, for the workloads that ran. */
    private String setUp() {
        List<String> warmups = new ArrayList<>();
        if (o.workloads().contains("kv")) {
            warmups.add(String.format(Locale.ROOT, "every key written once and %s of puts and %s of gets with %d in "
                    + "flight", human(o.warmup()), human(o.warmup()), o.inFlight()));
        }
        if (o.workloads().contains("locks")) {
            warmups.add(String.format(Locale.ROOT, "%s of lock+unlock cycles (half %s, half %s)",
                    human(o.warmup()), Workload.LOCKS_APART.shape.label(), Workload.LOCK_CONTENDED.shape.label()));
        }
        String text = "3 members each on 127.0.0.1, one client connection to the leader";
        if (o.workloads().contains("kv")) {
            text += String.format(Locale.ROOT, "; %d keys, %d-byte values", o.keys(), o.valueBytes());
        }
        text += ". Before anything was measured, each system had " + String.join(", and ", warmups)
                + " as warm-up. Throughput workloads: " + human(o.duration()) + " measured after " + human(o.leadIn())
                + " of the same load unmeasured";
        if (o.workloads().contains("kv")) {
            text += String.format(Locale.ROOT, "; KV ones with %d requests in flight", o.inFlight());
        }
        if (o.workloads().contains("locks")) {
            text += String.format(Locale.ROOT, ". Lock workloads: each client has its own session (Leasehold) or "
                    + "lease (etcd), TTL %s, kept alive for the run, and does Acquire/Lock then Release/Unlock "
                    + "back to back; a cycle is timed from the acquire call to the release's answer",
                    human(LockDriver.TTL));
        }
        return text + ".";
    }

    private String label(Workload w) {
        return switch (w) {
            case SEQUENTIAL_PUT -> String.format(Locale.ROOT, "sequential put (1 client, %,d puts after %,d warm-up)",
                    o.sequential(), o.sequentialWarmup());
            case PUT_IN_FLIGHT -> String.format(Locale.ROOT, "put, %d in flight", o.inFlight());
            case GET_IN_FLIGHT -> String.format(Locale.ROOT, "linearizable get, %d in flight", o.inFlight());
            case LOCK_ALONE, LOCKS_APART, LOCK_CONTENDED -> "lock+unlock, " + w.shape.label();
        };
    }

    private boolean ran(Workload w) {
        return results.values().stream().allMatch(runs -> runs.containsKey(w)) && !results.isEmpty();
    }

    private List<Workload> lockWorkloads() {
        return java.util.Arrays.stream(Workload.values()).filter(w -> w.shape != null && ran(w)).toList();
    }

    private long lockViolations() {
        return results.values().stream().flatMap(runs -> runs.values().stream())
                .mapToLong(r -> r.locks().overlaps() + r.locks().fenceRegressions()).sum();
    }

    private void latencyRows(StringBuilder b, Workload w) {
        row(b, "", "p50 latency", w, r -> (double) r.measured().latency().p50Nanos(), Report::ms);
        row(b, "", "p99 latency", w, r -> (double) r.measured().latency().p99Nanos(), Report::ms);
    }

    private double ratio(Workload w, Function<Run, Double> value) {
        return value.apply(results.get(LEASEHOLD).get(w)) / value.apply(other(w));
    }

    private Run other(Workload w) {
        return results.entrySet().stream().filter(e -> !e.getKey().equals(LEASEHOLD)).findFirst().orElseThrow()
                .getValue().get(w);
    }

    private void row(StringBuilder b, String workload, String measure, Workload w, Function<Run, Double> value,
                     Function<Double, String> format) {
        b.append("| ").append(workload).append(" | ").append(measure).append(" |");
        List<Double> values = new ArrayList<>();
        for (SystemUnderTest s : systems) {
            Run r = results.get(s.name()).get(w);
            double v = value.apply(r);
            values.add(v);
            b.append(' ').append(format.apply(v)).append(" |");
        }
        if (values.size() == 2) {
            b.append(String.format(Locale.ROOT, " %.2f× |", values.get(0) / values.get(1)));
        }
        b.append("\n");
    }

    private interface Cell {
        String apply(SystemUnderTest s, Run r);
    }

    private void cells(StringBuilder b, String workload, String measure, Workload w, Cell cell) {
        b.append("| ").append(workload).append(" | ").append(measure).append(" |");
        for (SystemUnderTest s : systems) {
            Run r = results.get(s.name()).get(w);
            String text;
            try {
                text = cell.apply(s, r);
            } catch (RuntimeException e) {
                text = "?";
            }
            b.append(' ').append(text).append(" |");
        }
        b.append("\n");
    }

    private static double seconds(Run r) {
        return (r.after().nanos() - r.before().nanos()) / 1e9;
    }

    private static PromHistogram leaderHist(SystemUnderTest s, Run r, String name) {
        String leader = s.leaderMember();
        return PromHistogram.parse(r.after().pages().get(leader), name)
                .minus(PromHistogram.parse(r.before().pages().get(leader), name));
    }

    private static PromHistogram followerHist(SystemUnderTest s, Run r, String name) {
        PromHistogram sum = PromHistogram.EMPTY;
        for (String member : r.after().pages().keySet()) {
            if (!member.equals(s.leaderMember())) {
                sum = sum.plus(PromHistogram.parse(r.after().pages().get(member), name)
                        .minus(PromHistogram.parse(r.before().pages().get(member), name)));
            }
        }
        return sum;
    }

    private static String histogram(PromHistogram h) {
        if (h.count() == 0) {
            return "none";
        }
        return ms(h.meanSeconds() * 1e9) + " / " + ms(h.quantileSeconds(0.5) * 1e9) + " / "
                + ms(h.quantileSeconds(0.99) * 1e9);
    }

    private static String cpu(SystemUnderTest s, Run r) {
        double wall = seconds(r);
        double leader = 0;
        double followers = 0;
        for (String member : s.processes().keySet()) {
            double busy = (r.after().cpu().get(member).toNanos() - r.before().cpu().get(member).toNanos()) / 1e9;
            if (member.equals(s.leaderMember())) {
                leader += busy;
            } else {
                followers += busy;
            }
        }
        double client = (r.after().cpu().get("client").toNanos() - r.before().cpu().get("client").toNanos()) / 1e9;
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", leader / wall, followers / wall, client / wall);
    }

    /** The machine's busy CPU less that of the benchmark's own processes (both clusters and the client). */
    private static String others(Run r) {
        if (r.before().machineBusyNanos() < 0 || r.after().machineBusyNanos() < 0) {
            return "?";
        }
        double machine = (r.after().machineBusyNanos() - r.before().machineBusyNanos()) / 1e9;
        double ours = (r.after().allOurs().toNanos() - r.before().allOurs().toNanos()) / 1e9;
        return String.format(Locale.ROOT, "%.2f", Math.max(0, machine - ours) / seconds(r));
    }

    static String ms(Double nanos) {
        if (nanos == null || nanos.isNaN() || nanos < 0) {
            return "—";
        }
        return String.format(Locale.ROOT, nanos < 10e6 ? "%.2f ms" : "%.1f ms", nanos / 1e6);
    }

    static String ops(Double perSecond) {
        return String.format(Locale.ROOT, "%,.0f ops/s", perSecond);
    }

    static String num(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
