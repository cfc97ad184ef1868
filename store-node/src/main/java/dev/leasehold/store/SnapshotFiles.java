package dev.leasehold.store;

import dev.leasehold.store.storage.StateMachine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The snapshot directories of a node: {@code snapshots/snap-INDEX} holds a checkpoint of the state machine at
 * INDEX (the image the log's snapshot metadata stands for, sent to followers that need it), and
 * {@code incoming/} holds snapshots being received.
 */
public final class SnapshotFiles {

    private final Path snapshotsDir;
    private final Path incomingDir;

    public SnapshotFiles(Path dataDir) {
        this.snapshotsDir = dataDir.resolve("snapshots");
        this.incomingDir = dataDir.resolve("incoming");
        try {
            Files.createDirectories(snapshotsDir);
            deleteRecursively(incomingDir); // half-received snapshots from before a restart are useless
            Files.createDirectories(incomingDir);
            try (Stream<Path> tmp = Files.list(snapshotsDir)) {
                for (Path p : tmp.filter(p -> p.getFileName().toString().startsWith("tmp-")).toList()) {
                    deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare snapshot directories under " + dataDir, e);
        }
    }

    /** Checkpoints the state machine into a new snapshot directory; returns the index it holds. */
    public long create(StateMachine stateMachine) {
        Path tmp = snapshotsDir.resolve("tmp-" + System.nanoTime());
        long index = stateMachine.checkpoint(tmp);
        Path target = dirOf(index);
        try {
            if (Files.exists(target)) {
                deleteRecursively(tmp);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store snapshot " + index, e);
        }
        return index;
    }

    /**
     * Makes a received snapshot this node's snapshot at {@code index} (an atomic rename), and returns where it is
     * now. If this node already has that snapshot, the received copy is dropped.
     */
    public Path keep(Path received, long index) {
        Path target = dirOf(index);
        try {
            if (Files.exists(target)) {
                deleteRecursively(received);
            } else {
                Files.move(received, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep snapshot " + index, e);
        }
        return target;
    }

    /** The directory of the snapshot at {@code index}, if this node has it. */
    public Optional<Path> find(long index) {
        Path dir = dirOf(index);
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }

    /** A new, empty directory to receive a snapshot into. */
    public Path newIncoming(long index) {
        try {
            return Files.createDirectories(incomingDir.resolve("snap-" + index + "-" + System.nanoTime()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every snapshot being received or left over from an earlier one. */
    public void clearIncoming() {
        try (Stream<Path> dirs = Files.list(incomingDir)) {
            for (Path p : dirs.toList()) {
                deleteRecursively(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + incomingDir, e);
        }
    }

    /** Deletes every snapshot older than {@code index}. */
    public void pruneBefore(long index) {
        for (long old : indexes()) {
            if (old < index) {
                delete(dirOf(old));
            }
        }
    }

    /** The indexes of the snapshots this node holds, in order. */
    public List<Long> indexes() {
        try (Stream<Path> dirs = Files.list(snapshotsDir)) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("snap-"))
                    .map(n -> Long.parseLong(n.substring(5))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private Path dirOf(long index) {
        return snapshotsDir.resolve("snap-" + index);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
