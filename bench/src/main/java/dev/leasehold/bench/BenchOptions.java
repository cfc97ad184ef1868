package dev.leasehold.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The command line of {@link BenchMain}; every option has a default except the node class path. */
record BenchOptions(Duration duration, Duration warmup, Duration leadIn, int keys, int valueBytes, int sequential,
                    int sequentialWarmup, int inFlight, Path runDir, String nodeClassPath, String etcd,
                    String java, String nodeHeap, List<String> nodeJavaOpts, List<String> systems, List<String> workloads, Path out,
                    String command) {

    /** The workload groups of {@code --workloads}, in the order they run. */
    static final List<String> GROUPS = List.of("kv", "locks");

    static final String USAGE = """
            usage: scripts/bench [options]
              --duration D          measured window of each throughput workload (default 10s)
              --warmup D            per system and workload group, unmeasured, before anything is measured, so
                                    that the JVMs have compiled their hot paths (default 60s): kv: D of puts
                                    and D of gets; locks: D of lock cycles (half 16 clients on 16 locks, half
                                    64 clients on one lock)
              --lead-in D           unmeasured load just before each throughput window (default 5s)
              --keys N              size of the key space (default 1000)
              --value-bytes N       size of every value (default 256)
              --sequential N        measured sequential puts (default 2000)
              --sequential-warmup N unmeasured sequential puts before them (default 200)
              --in-flight N         outstanding requests of the throughput workloads (default 64)
              --systems LIST        leasehold,etcd (default both; one alone prints no ratio)
              --workloads LIST      kv,locks (default both): kv = sequential put, put and get in flight;
                                    locks = lock+unlock cycles (1 on 1 lock, 16 on 16 locks, 64 on one lock)
              --out FILE            also write the report (Markdown) to FILE
              --run-dir DIR         where data, logs and the PID list go (scripts/bench passes a new temp dir)
              --node-classpath CP   class path of store-node (scripts/bench passes it)
              --etcd PATH           the etcd binary (default etcd)
              --java PATH           java for the store nodes (default: this JVM's)
              --node-heap SIZE      -Xmx of each store node (default 512m)
              --node-java-opts OPTS more JVM options for the store nodes, split on spaces; {id} is the node id
            Durations: 500ms, 10s, 2m.""";

    static BenchOptions parse(String[] args) {
        Duration duration = Duration.ofSeconds(10);
        Duration warmup = Duration.ofSeconds(60);
        Duration leadIn = Duration.ofSeconds(5);
        int keys = 1000;
        int valueBytes = 256;
        int sequential = 2000;
        int sequentialWarmup = 200;
        int inFlight = 64;
        Path runDir = null;
        String nodeClassPath = null;
        String etcd = "etcd";
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String nodeHeap = "512m";
        List<String> nodeJavaOpts = List.of();
        List<String> systems = List.of("leasehold", "etcd");
        List<String> workloads = GROUPS;
        Path out = null;
        String command = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                throw new UsageException(null);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--duration" -> duration = duration(name, value);
                case "--warmup" -> warmup = duration(name, value);
                case "--lead-in" -> leadIn = duration(name, value);
                case "--keys" -> keys = positive(name, value);
                case "--value-bytes" -> valueBytes = positive(name, value);
                case "--sequential" -> sequential = positive(name, value);
                case "--sequential-warmup" -> sequentialWarmup = nonNegative(name, value);
                case "--in-flight" -> inFlight = positive(name, value);
                case "--run-dir" -> runDir = Path.of(value);
                case "--node-classpath" -> nodeClassPath = value;
                case "--etcd" -> etcd = value;
                case "--java" -> java = value;
                case "--node-heap" -> nodeHeap = value;
                case "--node-java-opts" -> nodeJavaOpts = value.isBlank() ? List.of()
                        : List.of(value.trim().split("\\s+"));
                case "--out" -> out = Path.of(value);
                case "--command" -> command = value;
                case "--systems" -> systems = subset(name, value, List.of("leasehold", "etcd"));
                case "--workloads" -> workloads = subset(name, value, GROUPS);
                default -> throw new UsageException("unknown option " + name);
            }
        }
        if (systems.contains("leasehold") && (nodeClassPath == null || nodeClassPath.isBlank())) {
            throw new UsageException("--node-classpath is required (scripts/bench passes it)");
        }
        if (duration.isZero()) {
            throw new UsageException("--duration must be positive");
        }
        return new BenchOptions(duration, warmup, leadIn, keys, valueBytes, sequential, sequentialWarmup, inFlight, runDir,
                nodeClassPath, etcd, java, nodeHeap, nodeJavaOpts, systems, workloads, out, command);
    }

    /** The members of {@code allowed} that the comma-separated {@code value} names, in {@code allowed}'s order. */
    private static List<String> subset(String flag, String value, List<String> allowed) {
        List<String> named = new ArrayList<>();
        for (String s : value.toLowerCase(Locale.ROOT).split(",")) {
            if (!allowed.contains(s.trim())) {
                throw new UsageException(flag + " takes " + String.join(" and/or ", allowed) + ", got " + s);
            }
            named.add(s.trim());
        }
        return allowed.stream().filter(named::contains).toList();
    }

    static Duration duration(String flag, String value) {
        Matcher m = Pattern.compile("^(\\d+)(ms|s|m)$").matcher(value.trim());
        if (!m.matches()) {
            throw new UsageException(flag + " must be a duration like 500ms, 10s or 2m, was '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    private static int positive(String flag, String value) {
        int n = nonNegative(flag, value);
        if (n == 0) {
            throw new UsageException(flag + " must be positive");
        }
        return n;
    }

    private static int nonNegative(String flag, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new UsageException(flag + " must not be negative, was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " must be a number, was '" + value + "'");
        }
    }

    /** A bad command line; a null message asks for the usage alone. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
