package dev.leasehold.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.concurrent.CompletableFuture;

/**
 * Starts a 3-node Leasehold cluster and a 3-node etcd cluster on 127.0.0.1, runs the same three workloads
 * against the leader of each (interleaved: each workload on Leasehold, then on etcd), and prints one Markdown
 * report with both side by side. Stops every process it started, also on failure or Ctrl-C.
 */
public final class BenchMain {

    /** The workloads, in the order they run; {@code group} is what {@code --workloads} selects them by. */
    enum Workload {
        SEQUENTIAL_PUT("kv", null),
        PUT_IN_FLIGHT("kv", null),
        GET_IN_FLIGHT("kv", null),
        LOCK_ALONE("locks", new LockCycles.Shape(1, 1)),
        LOCKS_APART("locks", new LockCycles.Shape(16, 16)),
        LOCK_CONTENDED("locks", new LockCycles.Shape(64, 1));

        final String group;
        /** Users and locks of a lock workload; null for the KV ones. */
        final LockCycles.Shape shape;

        Workload(String group, LockCycles.Shape shape) {
            this.group = group;
            this.shape = shape;
        }
    }

    /** The client connections to one system: KV and locks, each only when its workloads run. */
    private record Drivers(KvDriver kv, LockDriver locks) {
    }

    /** Metrics pages and CPU times of one system at one instant. */
    record Snapshot(long nanos, Map<String, String> pages, Map<String, Duration> cpu, Duration allOurs,
                    long machineBusyNanos) {
    }

    /** One workload on one system; {@code locks} is {@link LockCycles.Tally#NONE} for a KV workload. */
    record Run(Workloads.Measured measured, LockCycles.Tally locks, Snapshot before, Snapshot after,
               String leaderBefore, String leaderAfter) {
    }

    private BenchMain() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.println(BenchOptions.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        try {
            run(options);
            System.exit(0);
        } catch (RuntimeException e) {
            System.err.println("bench: failed: " + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }

    static void run(BenchOptions o) {
        Path runDir = o.runDir();
        try {
            if (runDir == null) {
                runDir = Files.createTempDirectory("leasehold-bench-");
            }
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        runDir = runDir.toAbsolutePath();
        Instant startedAt = Instant.now();
        String loadAtStart = MachineInfo.loadAverage();
        String etcdVersion = o.systems().contains("etcd") ? MachineInfo.etcdVersion(o.etcd()) : "not run";
        log("run directory " + runDir + " (data, logs, pids); load average " + loadAtStart);
        LatencyLog.Summary probe = MachineInfo.fsyncProbe(runDir, 200);
        log(String.format("disk: 4 KiB append + fdatasync p50 %s, p99 %s", ms(probe.p50Nanos()),
                ms(probe.p99Nanos())));

        BenchKeys keys = new BenchKeys(o.keys(), o.valueBytes());
        Map<String, Map<Workload, Run>> results = new LinkedHashMap<>();
        List<SystemUnderTest> systems = new ArrayList<>();
        try (ChildProcesses children = new ChildProcesses(runDir.resolve("pids"))) {
            if (o.systems().contains("leasehold")) {
                systems.add(new LeaseholdCluster(children, dirs(runDir.resolve("leasehold")), o.java(),
                        o.nodeClassPath(), o.nodeHeap(), o.nodeJavaOpts()));
            }
            if (o.systems().contains("etcd")) {
                systems.add(new EtcdCluster(children, dirs(runDir.resolve("etcd")), o.etcd(), etcdVersion));
            }
            try {
                for (SystemUnderTest s : systems) {
                    s.start();
                }
                Map<SystemUnderTest, Drivers> drivers = new LinkedHashMap<>();
                for (SystemUnderTest s : systems) {
                    log(s.name() + ": leader is " + s.awaitLeader(Duration.ofSeconds(90)));
                    KvDriver kv = o.workloads().contains("kv") ? s.connect(keys) : null;
                    LockDriver locks = o.workloads().contains("locks") ? s.connectLocks() : null;
                    drivers.put(s, new Drivers(kv, locks));
                    if (kv != null) {
                        prepareKv(s, kv, keys, o);
                    }
                    if (locks != null && !o.warmup().isZero()) {
                        // The lock path (streams, parked acquires, grants on release) is code the KV warm-up does
                        // not reach; both the uncontended and the queued path get half of the warm-up.
                        Duration half = o.warmup().dividedBy(2);
                        LockCycles.run(locks, Workload.LOCKS_APART.shape, Duration.ZERO, half, () -> { });
                        LockCycles.run(locks, Workload.LOCK_CONTENDED.shape, Duration.ZERO, half, () -> { });
                        log(String.format("%s: warmed up with %s of lock cycles (%s, then %s)", s.name(),
                                Report.human(o.warmup()), Workload.LOCKS_APART.shape.label(),
                                Workload.LOCK_CONTENDED.shape.label()));
                    }
                    results.put(s.name(), new LinkedHashMap<>());
                }
                for (Workload w : Workload.values()) {
                    if (!o.workloads().contains(w.group)) {
                        continue;
                    }
                    for (SystemUnderTest s : systems) {
                        children.checkAlive();
                        Run r = measure(w, s, drivers.get(s), keys, o, children);
                        results.get(s.name()).put(w, r);
                        log(String.format("%s: %s: %.0f ops/s, p50 %s, p99 %s, errors %d%s%s", s.name(), w,
                                r.measured().opsPerSecond(), ms(r.measured().latency().p50Nanos()),
                                ms(r.measured().latency().p99Nanos()), r.measured().errors(),
                                w.shape == null ? "" : String.format(Locale.ROOT,
                                        ", max/min cycles per client %.2f, overlaps %d, fence regressions %d",
                                        r.locks().fairness(), r.locks().overlaps(), r.locks().fenceRegressions()),
                                r.leaderBefore().equals(r.leaderAfter()) ? ""
                                        : " (leader changed: " + r.leaderBefore() + " -> " + r.leaderAfter() + ")"));
                    }
                }
            } finally {
                for (SystemUnderTest s : systems) {
                    s.close();
                }
            }
        }
        Report report = new Report(o, startedAt, MachineInfo.collect(runDir, etcdVersion), probe, loadAtStart,
                MachineInfo.loadAverage(), MachineInfo.clientVersions(), systems, results);
        String text = report.render();
        System.out.println(text);
        if (o.out() != null) {
            try {
                Files.writeString(o.out(), text + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + o.out(), e);
            }
        }
    }

    /** Writes every key once and, unless the warm-up is zero, runs the KV warm-up. */
    private static void prepareKv(SystemUnderTest s, KvDriver d, BenchKeys keys, BenchOptions o) {
        long t0 = System.nanoTime();
        Workloads.preload(d::put, keys.size(), o.inFlight()); // every key exists from now on
        log(String.format("%s: wrote all %d keys in %.1f s", s.name(), keys.size(), (System.nanoTime() - t0) / 1e9));
        if (!o.warmup().isZero()) {
            // Unmeasured load of both kinds, so that the JVMs (nodes and client) have compiled their hot paths
            // before anything is measured; etcd gets the same.
            SplittableRandom random = new SplittableRandom(11);
            Workloads.concurrent(d::put, o.inFlight(), Duration.ZERO, o.warmup(), seq -> seq % keys.size(), () -> { });
            IntFunction<CompletableFuture<?>> get = d::get;
            Workloads.concurrent(get, o.inFlight(), Duration.ZERO, o.warmup(), seq -> random.nextInt(keys.size()),
                    () -> { });
            log(String.format("%s: warmed up with %s of puts and %s of gets, %d in flight", s.name(),
                    Report.human(o.warmup()), Report.human(o.warmup()), o.inFlight()));
        }
    }

    private static Run measure(Workload w, SystemUnderTest s, Drivers d, BenchKeys keys, BenchOptions o,
                               ChildProcesses children) {
        String leaderBefore = s.currentLeader();
        Snapshot[] before = new Snapshot[1];
        Runnable atStart = () -> before[0] = snapshot(s, children);
        Workloads.Measured m;
        LockCycles.Tally tally = LockCycles.Tally.NONE;
        switch (w) {
            case SEQUENTIAL_PUT -> m = Workloads.sequential(d.kv()::put, o.sequentialWarmup(), o.sequential(),
                    keys.size(), atStart);
            case PUT_IN_FLIGHT -> m = Workloads.concurrent(d.kv()::put, o.inFlight(), o.leadIn(), o.duration(),
                    seq -> seq % keys.size(), atStart);
            case GET_IN_FLIGHT -> {
                SplittableRandom random = new SplittableRandom(7); // the same keys, in the same order, for both
                IntFunction<CompletableFuture<?>> get = d.kv()::get;
                m = Workloads.concurrent(get, o.inFlight(), o.leadIn(), o.duration(),
                        seq -> random.nextInt(keys.size()), atStart);
            }
            case LOCK_ALONE, LOCKS_APART, LOCK_CONTENDED -> {
                LockCycles.Result r = LockCycles.run(d.locks(), w.shape, o.leadIn(), o.duration(), atStart);
                m = r.measured();
                tally = r.tally();
            }
            default -> throw new IllegalStateException(w.toString());
        }
        Snapshot after = snapshot(s, children);
        return new Run(m, tally, before[0], after, leaderBefore, s.currentLeader());
    }

    private static Snapshot snapshot(SystemUnderTest s, ChildProcesses children) {
        Map<String, Duration> cpu = new LinkedHashMap<>();
        s.processes().forEach((name, p) -> cpu.put(name, p.info().totalCpuDuration().orElse(Duration.ZERO)));
        cpu.put("client", ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO));
        return new Snapshot(System.nanoTime(), s.scrape(), cpu, children.totalCpu(), MachineInfo.machineBusyNanos());
    }

    private static Path dirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String ms(long nanos) {
        return nanos < 0 ? "—" : String.format("%.2f ms", nanos / 1e6);
    }

    static void log(String line) {
        System.err.println("bench: " + line);
    }
}
