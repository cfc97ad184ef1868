package dev.leasehold.store.process;

import static dev.leasehold.store.process.ProcessCluster.PATIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnRequest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose Raft log ({@code data-dir/raft}, a RocksDB) was damaged while it was down must refuse to start:
 * exit code 3 promptly, stderr saying that it refuses and naming the data directory, and the directory left exactly as
 * it was, so that no committed entry is truncated away behind the operator's back.
 *
 * <p>One single-node cluster writes acknowledged data in two runs (the second open replays the first run's
 * write-ahead log into a table file, so the log lives in both an {@code .sst} and a {@code .log}); each test damages
 * its own copy of that directory and starts a node on it.
 */
class CorruptDataDirectoryIT {

    private static final int WRITES_PER_RUN = 150;
    private static final int VALUE_BYTES = 2048;
    private static final int PUTS_PER_TXN = 25;
    private static final Duration PROMPTLY = Duration.ofSeconds(20);

    @TempDir
    static Path shared;

    private static ProcessCluster cluster;
    private static Path pristine;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeDataInTwoRunsAndStop() {
        cluster = ProcessCluster.builder(shared, "CorruptDataDirectoryIT").size(1).start();
        NodeProcess node = cluster.node(1);
        write(0, WRITES_PER_RUN);
        node.stop();
        node.start().awaitUp(PATIENCE);
        write(WRITES_PER_RUN, 2 * WRITES_PER_RUN);
        node.stop();
        pristine = node.dataDir();
    }

    @AfterAll
    static void stopNodes() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void anUndamagedCopyOfTheDataDirectoryStartsAndServesEveryAcknowledgedWrite(TestInfo test) {
        NodeProcess node = cluster.twin(1, copyOfPristine(), name(test));
        node.start().awaitUp(PATIENCE);
        for (int i : new int[] {0, WRITES_PER_RUN - 1, WRITES_PER_RUN, 2 * WRITES_PER_RUN - 1}) {
            GetResponse got = ProcessCluster.retrying(PATIENCE, () -> node.kv(Duration.ofSeconds(5))
                    .get(GetRequest.newBuilder().setKey(key(i)).setConsistency(Consistency.LINEARIZABLE).build()));
            assertThat(got.getKv().getValue()).as(() -> "key " + i + node.logTail(30)).isEqualTo(value(i));
        }
        node.stop();
    }

    @Test
    void flippedBytesInTheMiddleOfTheRaftWriteAheadLogStopTheNodeFromStarting(TestInfo test) throws IOException {
        Path copy = copyOfPristine();
        Path wal = newestDataFile(copy, ".log");
        flipBytesInTheMiddle(wal);
        assertRefusesToStartLeavingTheDirectoryAsItWas(test, copy, "flipped bytes in the middle of " + wal);
    }

    @Test
    void flippedBytesInTheMiddleOfARaftTableFileStopTheNodeFromStarting(TestInfo test) throws IOException {
        Path copy = copyOfPristine();
        Path table = newestDataFile(copy, ".sst");
        flipBytesInTheMiddle(table);
        assertRefusesToStartLeavingTheDirectoryAsItWas(test, copy, "flipped bytes in the middle of " + table);
    }

    @Test
    void aDeletedRaftManifestStopsTheNodeFromStarting(TestInfo test) throws IOException {
        Path copy = copyOfPristine();
        Path manifest = manifest(copy);
        Files.delete(manifest);
        assertRefusesToStartLeavingTheDirectoryAsItWas(test, copy, "deleted " + manifest);
    }

    @Test
    void aRaftManifestTruncatedToHalfStopsTheNodeFromStarting(TestInfo test) throws IOException {
        Path copy = copyOfPristine();
        Path manifest = manifest(copy);
        long size = Files.size(manifest);
        truncate(manifest, size / 2);
        assertRefusesToStartLeavingTheDirectoryAsItWas(test, copy,
                "truncated " + manifest + " from " + size + " to " + size / 2 + " bytes");
    }

    @Test
    void aRaftWriteAheadLogTruncatedToHalfStopsTheNodeFromStarting(TestInfo test) throws IOException {
        Path copy = copyOfPristine();
        Path wal = newestDataFile(copy, ".log");
        long size = Files.size(wal);
        truncate(wal, size / 2);
        assertRefusesToStartLeavingTheDirectoryAsItWas(test, copy,
                "truncated " + wal + " from " + size + " to " + size / 2 + " bytes");
    }

    // ---------------------------------------------------------------- steps

    private static ByteString key(int i) {
        return ByteString.copyFromUtf8(String.format("corrupt/%05d", i));
    }

    /** Incompressible, so that RocksDB's files are as large as the data. */
    private static ByteString value(int i) {
        byte[] bytes = new byte[VALUE_BYTES];
        new Random(i).nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    /** Acknowledged writes of keys [from, to), in transactions of {@link #PUTS_PER_TXN} puts. */
    private static void write(int from, int to) {
        for (int first = from; first < to; first += PUTS_PER_TXN) {
            TxnRequest.Builder txn = TxnRequest.newBuilder();
            for (int i = first; i < Math.min(to, first + PUTS_PER_TXN); i++) {
                txn.addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setKey(key(i)).setValue(value(i))));
            }
            ProcessCluster.retrying(PATIENCE, () -> cluster.awaitLeader().kv(Duration.ofSeconds(5)).txn(txn.build()));
        }
    }

    private static String name(TestInfo test) {
        return test.getTestMethod().orElseThrow().getName();
    }

    private Path copyOfPristine() {
        Path copy = dir.resolve("node-1");
        try (Stream<Path> walk = Files.walk(pristine)) {
            for (Path p : walk.toList()) {
                Path target = copy.resolve(pristine.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    private static void assertRefusesToStartLeavingTheDirectoryAsItWas(TestInfo test, Path dataDir, String damage) {
        Map<String, String> before = files(dataDir);
        NodeProcess node = cluster.twin(1, dataDir, name(test));
        NodeProcess.Exit exit = node.startExpectingExit(PROMPTLY);
        Map<String, String> after = files(dataDir);
        String context = "after " + damage + ", the node printed on stderr:\n" + exit.stderr() + "\n"
                + node.logTail(30);
        assertThat(exit.code()).as("exit code " + context).isEqualTo(3);
        assertThat(exit.stderr()).as(context).contains("refuses to start").contains(dataDir.toString());
        assertThat(after).as("files of the data directory (path → size/crc32) " + context).isEqualTo(before);
    }

    // ---------------------------------------------------------------- the files

    /** The most recently written file with this suffix that holds at least 64 KiB: where the data is. */
    private static Path newestDataFile(Path dataDir, String suffix) throws IOException {
        Path raft = dataDir.resolve("raft");
        try (Stream<Path> files = Files.list(raft)) {
            List<Path> candidates = files.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(p -> size(p) >= 64 * 1024)
                    .sorted(Comparator.comparing(CorruptDataDirectoryIT::modified).reversed()).toList();
            assertThat(candidates).as("RocksDB files *" + suffix + " of at least 64 KiB in " + raft + ": "
                    + files(raft)).isNotEmpty();
            return candidates.get(0);
        }
    }

    private static Path manifest(Path dataDir) throws IOException {
        Path raft = dataDir.resolve("raft");
        try (Stream<Path> files = Files.list(raft)) {
            List<Path> manifests = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).toList();
            assertThat(manifests).as("the MANIFEST of " + raft + ": " + files(raft)).hasSize(1);
            return manifests.get(0);
        }
    }

    private static void flipBytesInTheMiddle(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long middle = f.length() / 2;
            byte[] bytes = new byte[16];
            f.seek(middle);
            f.readFully(bytes);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] ^= (byte) 0xA5;
            }
            f.seek(middle);
            f.write(bytes);
            f.getFD().sync();
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            f.getFD().sync();
        }
    }

    /**
     * Every regular file under {@code root} with its size and CRC-32, except RocksDB's info logs ({@code LOG},
     * {@code LOG.old.*}), which RocksDB rotates on every attempt to open and which hold no data.
     */
    private static Map<String, String> files(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (name.equals("LOG") || name.startsWith("LOG.old.")) {
                    continue;
                }
                CRC32 crc = new CRC32();
                crc.update(Files.readAllBytes(p));
                out.put(root.relativize(p).toString(), Files.size(p) + "/" + Long.toHexString(crc.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
