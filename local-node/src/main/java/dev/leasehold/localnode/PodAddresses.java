package dev.leasehold.localnode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The Pods' addresses: one loopback /16, {@code 127.S.0.0/16} with S from 1 to 255 (never 127.0.0.0/16, where the
 * control plane and other tests live), claimed for the life of this node by a lock on a file in a directory shared by
 * every node of the machine, so two nodes never hand out the same address.
 *
 * <p>Within it a Pod gets the address that its namespace and name hash to, the next free one on a collision, and
 * keeps it: the assignments are kept under the node's data root, so a re-created Pod (whose name peers' JVMs have
 * cached) gets its old address again, also after the node restarts. A data root remembers the /16 it used and takes
 * it again when it is free.
 *
 * <p>Thread-safe.
 */
final class PodAddresses implements AutoCloseable {

    /** Host numbers in the /16: 0.0 and 255.255 are left out. */
    private static final int HOSTS = 65_534;

    private final int subnet;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path assignmentsFile;
    // guarded by this
    private final Map<String, Integer> byPod = new TreeMap<>();
    private final Map<Integer, String> byHost = new HashMap<>();

    private PodAddresses(int subnet, FileChannel lockChannel, FileLock lock, Path assignmentsFile,
                         Map<String, Integer> assignments) {
        this.subnet = subnet;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.assignmentsFile = assignmentsFile;
        assignments.forEach((pod, host) -> {
            byPod.put(pod, host);
            byHost.put(host, pod);
        });
    }

    /**
     * Claims a /16 (the one {@code dataRoot} used before, if it is free) and loads the assignments kept there.
     *
     * @param locks    the machine-wide directory of subnet lock files
     * @param dataRoot the node's data root
     */
    static PodAddresses claim(Path locks, Path dataRoot) {
        try {
            Files.createDirectories(locks);
            Files.createDirectories(dataRoot);
            Path subnetFile = dataRoot.resolve("subnet");
            int preferred = Files.exists(subnetFile) ? parseSubnet(Files.readString(subnetFile).trim()) : 1;
            for (int i = 0; i < 255; i++) {
                int candidate = (preferred - 1 + i) % 255 + 1;
                FileChannel channel = FileChannel.open(locks.resolve("127." + candidate + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = tryLock(channel);
                if (held == null) {
                    channel.close();
                    continue;
                }
                Path assignments = dataRoot.resolve("addresses-127." + candidate + ".properties");
                AtomicFiles.write(subnetFile, Integer.toString(candidate));
                return new PodAddresses(candidate, channel, held, assignments, load(assignments));
            }
            throw new IllegalStateException("every loopback /16 from 127.1.0.0 to 127.255.0.0 is claimed by another "
                    + "local node (lock files in " + locks + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim a loopback /16 with a lock file in " + locks, e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return null; // held by this JVM already (another node in the same process)
        }
    }

    private static int parseSubnet(String text) {
        try {
            int s = Integer.parseInt(text);
            return s >= 1 && s <= 255 ? s : 1;
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The claimed /16, such as {@code 127.3.0.0/16}. */
    String cidr() {
        return "127." + subnet + ".0.0/16";
    }

    /** Whether {@code address} lies in the claimed /16. */
    boolean owns(String address) {
        return address.startsWith("127." + subnet + ".");
    }

    /** The address of Pod {@code namespace/name}: the one it had before, or a new one, kept from now on. */
    synchronized String addressOf(String namespace, String name) {
        String pod = namespace + "/" + name;
        Integer host = byPod.get(pod);
        if (host == null) {
            host = Math.floorMod(pod.hashCode(), HOSTS) + 1;
            for (int probes = 0; byHost.containsKey(host); probes++) {
                if (probes == HOSTS) {
                    throw new IllegalStateException("all " + HOSTS + " addresses of " + cidr() + " are taken");
                }
                host = host % HOSTS + 1;
            }
            byPod.put(pod, host);
            byHost.put(host, pod);
            save();
        }
        return "127." + subnet + "." + (host >> 8) + "." + (host & 0xff);
    }

    private void save() {
        Properties p = new Properties();
        byPod.forEach((pod, host) -> p.setProperty(pod, Integer.toString(host)));
        StringBuilder text = new StringBuilder("# Pod addresses in " + cidr() + ": namespace/name = host number\n");
        new TreeMap<>(p).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            AtomicFiles.write(assignmentsFile, text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the Pod addresses in " + assignmentsFile, e);
        }
    }

    private static Map<String, Integer> load(Path file) throws IOException {
        Map<String, Integer> assignments = new TreeMap<>();
        if (!Files.exists(file)) {
            return assignments;
        }
        Properties p = new Properties();
        try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(reader);
        }
        for (String pod : p.stringPropertyNames()) {
            try {
                int host = Integer.parseInt(p.getProperty(pod));
                if (host >= 1 && host <= HOSTS) {
                    assignments.put(pod, host);
                }
            } catch (NumberFormatException e) {
                // a damaged line: that Pod gets a new address
            }
        }
        return assignments;
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
