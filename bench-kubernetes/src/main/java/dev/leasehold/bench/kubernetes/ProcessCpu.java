package dev.leasehold.bench.kubernetes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time and memory of this benchmark's own descendant processes (kube-apiserver, etcd, the operator), from
 * {@code /proc}: the clock ticks they used between two samples, as cores.
 */
final class ProcessCpu {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private ProcessCpu() {
    }

    /** The pid of the descendant whose program ends with {@code program}, or whose command line has {@code arg}. */
    static Optional<Long> find(String program, String arg) {
        return ProcessHandle.current().descendants().map(ProcessHandle::pid).filter(pid -> {
            String line = commandLine(pid);
            return line.split(" ", 2)[0].endsWith(program) && line.contains(arg);
        }).findFirst();
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** utime + stime of a process, in ticks. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Resident memory of a process in MiB. */
    static long rssMib(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024)
                    .findFirst().orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Cores each named process used while {@code load} ran for {@code seconds}. */
    static Map<String, Double> during(Map<String, Long> pids, double seconds) throws InterruptedException {
        Map<String, Long> before = new LinkedHashMap<>();
        pids.forEach((name, pid) -> before.put(name, ticks(pid)));
        long start = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cores.put(name, (ticks(pid) - before.get(name)) / TICKS_PER_SECOND / elapsed));
        return cores;
    }
}
