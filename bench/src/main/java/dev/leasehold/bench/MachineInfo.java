package dev.leasehold.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What the benchmark ran on, read from /proc, /sys and the JVM. */
final class MachineInfo {

    private MachineInfo() {
    }

    static Map<String, String> collect(Path dataDir, String etcdVersion) {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("CPU", read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown"));
        info.put("cores", Runtime.getRuntime().availableProcessors() + " (as the JVM sees them; nproc)");
        info.put("memory", read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
                .findFirst().orElse("unknown"));
        info.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        info.put("data dir", dataDir + " on " + disk(dataDir));
        info.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        info.put("etcd", etcdVersion);
        return info;
    }

    private static String disk(Path dir) {
        try {
            FileStore store = Files.getFileStore(dir);
            String device = store.name();
            String sysName = device.startsWith("/dev/") ? device.substring(5).replaceAll("p?\\d+$", "") : device;
            String rotational = read("/sys/block/" + sysName + "/queue/rotational").trim();
            String model = read("/sys/block/" + sysName + "/device/model").trim();
            return device + " (" + store.type() + (model.isEmpty() ? "" : ", " + model)
                    + (rotational.isEmpty() ? "" : ", rotational=" + rotational) + ")";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    static String loadAverage() {
        String[] f = read("/proc/loadavg").trim().split("\\s+");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)" : "unknown";
    }

    static double loadAverage1() {
        try {
            return Double.parseDouble(read("/proc/loadavg").trim().split("\\s+")[0]);
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * CPU time the whole machine has spent busy (user, nice, system, irq, softirq, steal) since boot, from the first
     * line of /proc/stat (in USER_HZ ticks, 100 per second on Linux); -1 when unreadable.
     */
    static long machineBusyNanos() {
        String[] f = read("/proc/stat").lines().findFirst().orElse("").trim().split("\\s+");
        if (f.length < 9 || !f[0].equals("cpu")) {
            return -1;
        }
        long ticks = 0;
        for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
            ticks += Long.parseLong(f[i]);
        }
        return ticks * 10_000_000L;
    }

    /** The first line of {@code etcd --version}, such as "etcd Version: 3.4.23"; the version alone. */
    static String etcdVersion(String etcd) {
        try {
            Process p = new ProcessBuilder(etcd, "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            Optional<String> line = out.lines().filter(l -> l.startsWith("etcd Version:")).findFirst();
            return line.map(l -> l.substring("etcd Version:".length()).trim()).orElse(out.trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + etcd + " --version: " + e.getMessage()
                    + " (scripts/bench installs Debian's etcd-server)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The disk's own durable-write latency: {@code n} appends of 4 KiB to a file in {@code dir}, each followed by
     * fdatasync (FileChannel.force(false)). Returns the latencies' summary.
     */
    static LatencyLog.Summary fsyncProbe(Path dir, int n) {
        Path file = dir.resolve("fsync-probe");
        LatencyLog log = new LatencyLog();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer block = ByteBuffer.allocate(4096);
            for (int i = 0; i < n; i++) {
                block.clear();
                ch.write(block);
                long t0 = System.nanoTime();
                ch.force(false);
                log.add(System.nanoTime() - t0);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // in the run directory, removed with it
            }
        }
        return log.summary();
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static List<String> clientVersions() {
        String protobuf = "?";
        try {
            Class<?> v = Class.forName("com.google.protobuf.RuntimeVersion");
            protobuf = v.getField("MAJOR").get(null) + "." + v.getField("MINOR").get(null) + "."
                    + v.getField("PATCH").get(null);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // older runtime
        }
        String grpc = Optional.ofNullable(io.grpc.ManagedChannel.class.getPackage().getImplementationVersion())
                .orElse("?");
        String netty = io.netty.util.Version.identify().values().stream().findFirst()
                .map(io.netty.util.Version::artifactVersion).orElse("?");
        return List.of("protobuf-java " + protobuf, "grpc-java " + grpc, "netty (jetcd) " + netty);
    }
}
