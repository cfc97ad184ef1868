package dev.leasehold.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.random.RandomGenerator;

/**
 * The Raft id of a StatefulSet member (DESIGN.md, "Store nodes and their identity"): it belongs to one incarnation,
 * the Pod ordinal plus a part minted on first start and kept in the data directory. A Pod that starts on an empty
 * directory (a new claim, or one whose data was lost) is a new member with a new id, never the old member with a
 * missing log; the operator removes the old incarnation and adds the new one as a learner.
 *
 * <p>An id reads as {@code (ordinal + 1) * 10^9 + minted}, with {@code minted} in 1..999,999,999, so that a person
 * still sees which Pod it belongs to ({@code 3000271828} is an incarnation of {@code NAME-2}).
 */
final class NodeIdentity {

    static final String FILE = "node-id";
    private static final long SPAN = 1_000_000_000L;

    private NodeIdentity() {
    }

    /**
     * The id recorded in {@code dataDir}, or a new one written there (atomically and durably) when the directory
     * holds no store yet.
     *
     * @throws IllegalStateException when the directory holds a store but no id, or an id that is not one
     */
    static long loadOrMint(Path dataDir, int ordinal, RandomGenerator random) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return read(file, ordinal);
            }
            if (Files.exists(dataDir.resolve("raft")) || Files.exists(dataDir.resolve("state"))) {
                throw new IllegalStateException("the data directory " + dataDir + " holds a store but no " + FILE
                        + " file, so this node cannot know which member it is; it refuses to start rather than take"
                        + " an id that may have been another incarnation's (replace the member: delete its claim and"
                        + " Pod, and the operator adds a new one)");
            }
            long id = (ordinal + 1L) * SPAN + random.nextLong(1, SPAN);
            write(dataDir, file, id);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    private static long read(Path file, int ordinal) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        long id;
        try {
            id = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file + " must hold this node's Raft id, a number; it holds '" + text + "'");
        }
        if (id / SPAN != ordinal + 1L || id % SPAN == 0) {
            throw new IllegalStateException(file + " holds Raft id " + id + ", which is not an id of Pod ordinal "
                    + ordinal + " (those are " + (ordinal + 1L) * SPAN + " plus 1 to " + (SPAN - 1) + "); was this"
                    + " volume moved from another Pod?");
        }
        return id;
    }

    private static void write(Path dataDir, Path file, long id) throws IOException {
        Files.createDirectories(dataDir);
        Path temp = dataDir.resolve(FILE + ".tmp");
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(StandardCharsets.US_ASCII.encode(id + "\n"));
            out.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
