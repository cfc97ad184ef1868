package dev.leasehold.store.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.HardState;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.ProposeResult;
import dev.leasehold.raft.RaftConfig;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.Ready;
import dev.leasehold.raft.Role;
import dev.leasehold.raft.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

class RocksLogStoreTest {

    private static final Membership THREE = Membership.ofVoters(List.of(1L, 2L, 3L));

    @TempDir
    Path dir;

    @Test
    void aNewLogIsEmpty() {
        try (RocksLogStore log = RocksLogStore.open(dir.resolve("log"))) {
            assertThat(log.hardState()).isEqualTo(HardState.EMPTY);
            assertThat(log.snapshot()).isEqualTo(Snapshot.EMPTY);
            assertThat(log.lastIndex()).isZero();
            assertThat(log.term(0)).isZero();
        }
    }

    @Test
    void hardStateEntriesAndSnapshotSurviveAReopen() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(2, 1, 3)), Optional.empty(), entries(1, 5, 2)));
            log.compact(2, THREE);
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.hardState()).isEqualTo(new HardState(2, 1, 3));
            assertThat(log.snapshot().index()).isEqualTo(2);
            assertThat(log.snapshot().term()).isEqualTo(2);
            assertThat(log.snapshot().membership()).isEqualTo(THREE);
            assertThat(log.snapshot().data()).isEmpty();
            assertThat(log.lastIndex()).isEqualTo(5);
            assertThat(log.term(2)).isEqualTo(2);
            assertThat(log.entries(3, 6, Long.MAX_VALUE)).isEqualTo(entries(3, 5, 2));
        }
    }

    @Test
    void configEntriesKeepTheirType() {
        Entry config = new Entry(1, 1, EntryType.CONFIG, THREE.encode());
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.empty(), Optional.empty(), List.of(config)));
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.entries(1, 2, 0)).containsExactly(config);
        }
    }

    @Test
    void aConflictingAppendReplacesTheStoredSuffix() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.empty(), Optional.empty(), entries(1, 6, 1)));
            log.persist(ready(Optional.empty(), Optional.empty(), entries(4, 4, 2)));

            assertThat(log.lastIndex()).isEqualTo(4);
            assertThat(log.term(3)).isEqualTo(1);
            assertThat(log.term(4)).isEqualTo(2);
            assertThatThrownBy(() -> log.term(5)).isInstanceOf(IndexOutOfBoundsException.class);
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.lastIndex()).isEqualTo(4);
            List<Entry> expected = new ArrayList<>(entries(1, 3, 1));
            expected.addAll(entries(4, 4, 2));
            assertThat(log.entries(1, 5, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void anAppendThatLeavesAGapOrReachesIntoTheSnapshotIsRejectedAndWritesNothing() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 3)), Optional.empty(), entries(1, 3, 1)));
            log.compact(2, THREE);

            assertThatThrownBy(() -> log.persist(ready(Optional.of(new HardState(9, 0, 3)), Optional.empty(),
                    entries(5, 5, 1)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gap");
            assertThatThrownBy(() -> log.persist(ready(Optional.empty(), Optional.empty(), entries(2, 3, 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshot 2");
            assertThat(log.hardState().term()).isEqualTo(1);
            assertThat(log.lastIndex()).isEqualTo(3);
        }
    }

    @Test
    void compactionDropsEntriesUpToTheIndexAndSurvivesAReopen() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 8)), Optional.empty(), entries(1, 10, 1)));
            log.compact(4, THREE);
            log.compact(7, THREE);

            assertThat(log.snapshot().index()).isEqualTo(7);
            assertThat(log.term(7)).isEqualTo(1);
            assertThatThrownBy(() -> log.term(6)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> log.entries(7, 8, 100)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(log.entries(8, 11, Long.MAX_VALUE)).isEqualTo(entries(8, 10, 1));
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.snapshot().index()).isEqualTo(7);
            assertThat(log.lastIndex()).isEqualTo(10);
            assertThat(log.entries(8, 11, Long.MAX_VALUE)).isEqualTo(entries(8, 10, 1));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            assertThat(storedIndexes(raw)).containsExactly(8L, 9L, 10L);
        }
    }

    @Test
    void compactionBeyondTheCommitIndexOrOutsideTheLogIsRefused() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 3)), Optional.empty(), entries(1, 5, 1)));

            assertThatThrownBy(() -> log.compact(4, THREE)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("committed");
            assertThatThrownBy(() -> log.compact(6, THREE)).isInstanceOf(IllegalArgumentException.class);
            log.compact(3, THREE);
            assertThatThrownBy(() -> log.compact(3, THREE)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aReceivedSnapshotReplacesTheWholeLogAndEntriesMayFollowItInTheSameReady() {
        Snapshot received = new Snapshot(20, 3, THREE, "ignored image".getBytes(StandardCharsets.UTF_8));
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 2)), Optional.empty(), entries(1, 5, 1)));
            log.persist(ready(Optional.of(new HardState(3, 2, 20)), Optional.of(received), entries(21, 22, 3)));

            assertThat(log.snapshot()).usingRecursiveComparison()
                    .isEqualTo(new Snapshot(20, 3, THREE, new byte[0]));
            assertThat(log.lastIndex()).isEqualTo(22);
            assertThat(log.term(20)).isEqualTo(3);
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.snapshot().index()).isEqualTo(20);
            assertThat(log.hardState()).isEqualTo(new HardState(3, 2, 20));
            assertThat(log.entries(21, 23, Long.MAX_VALUE)).isEqualTo(entries(21, 22, 3));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            assertThat(storedIndexes(raw)).containsExactly(21L, 22L);
        }
    }

    @Test
    void aSnapshotOlderThanTheStoredOneIsIgnored() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 5)), Optional.empty(), entries(1, 6, 1)));
            log.compact(5, THREE);
            log.persist(ready(Optional.empty(), Optional.of(new Snapshot(3, 1, THREE, new byte[0])), List.of()));

            assertThat(log.snapshot().index()).isEqualTo(5);
            assertThat(log.lastIndex()).isEqualTo(6);
        }
    }

    @Test
    void entriesReturnsAtLeastOneEntryAndStopsBeforeExceedingMaxBytes() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            List<Entry> stored = LongStream.rangeClosed(1, 10)
                    .mapToObj(i -> Entry.normal(1, i, new byte[100])).toList();
            log.persist(ready(Optional.empty(), Optional.empty(), stored));
            long size = stored.get(0).size();

            assertThat(log.entries(1, 11, 0)).containsExactly(stored.get(0));
            assertThat(log.entries(1, 11, size)).containsExactly(stored.get(0));
            assertThat(log.entries(1, 11, 3 * size - 1)).containsExactly(stored.get(0), stored.get(1));
            assertThat(log.entries(1, 11, 3 * size)).isEqualTo(stored.subList(0, 3));
            assertThat(log.entries(4, 8, Long.MAX_VALUE)).isEqualTo(stored.subList(3, 7));
            assertThat(log.entries(1, 11, Long.MAX_VALUE)).isEqualTo(stored);
            assertThat(log.entries(5, 5, Long.MAX_VALUE)).isEmpty();
            assertThatThrownBy(() -> log.entries(5, 12, 100)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> log.entries(0, 2, 100)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void entriesSpanSeveralWritesAndTheirOverwrites() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            for (long i = 1; i <= 30; i += 3) {
                log.persist(ready(Optional.empty(), Optional.empty(), entries(i, i + 2, 1)));
            }
            log.persist(ready(Optional.empty(), Optional.empty(), entries(12, 16, 2)));

            List<Entry> expected = new ArrayList<>(entries(1, 11, 1));
            expected.addAll(entries(12, 16, 2));
            assertThat(log.entries(1, 17, Long.MAX_VALUE)).isEqualTo(expected);
        }
    }

    @Test
    void aSingleNodeClusterRestartsFromItsRocksLog() {
        long commit;
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.bootstrap(Membership.ofVoters(List.of(1L)));
            RaftNode node = new RaftNode(RaftConfig.defaults(1), log);
            for (int i = 0; i < 100 && node.role() != Role.LEADER; i++) {
                node.tick();
                drive(node, log);
            }
            assertThat(node.role()).isEqualTo(Role.LEADER);
            ProposeResult.Accepted accepted = (ProposeResult.Accepted) node.propose(bytes("x"));
            drive(node, log);
            commit = node.commitIndex();
            assertThat(commit).isGreaterThanOrEqualTo(accepted.index());
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            RaftNode node = new RaftNode(RaftConfig.defaults(1), log);
            assertThat(node.commitIndex()).isEqualTo(commit);
            assertThat(node.membership().voters()).containsExactly(1L);
            assertThat(log.entries(commit, commit + 1, 0).get(0).data()).isEqualTo(bytes("x"));
        }
    }

    @Test
    void theLoopThreadReadsAndCompactsWhileAStorageThreadPersists() throws Exception {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            int last = 400;
            Thread storage = new Thread(() -> {
                for (long i = 1; i <= last; i++) {
                    log.persist(ready(Optional.of(new HardState(1, 0, i)), Optional.empty(), entries(i, i, 1)));
                }
            });
            storage.start();
            long reads = 0;
            while (storage.isAlive() || log.lastIndex() > log.snapshot().index()) {
                long first = log.snapshot().index() + 1;
                long lastIndex = log.lastIndex();
                if (lastIndex >= first) {
                    List<Entry> read = log.entries(first, lastIndex + 1, Long.MAX_VALUE);
                    assertThat(read).isEqualTo(entries(first, lastIndex, 1));
                    assertThat(log.term(lastIndex)).isEqualTo(1);
                    reads++;
                }
                long commit = log.hardState().commit();
                if (commit - log.snapshot().index() >= 25 || (!storage.isAlive() && commit == last)) {
                    log.compact(commit, THREE);
                }
            }
            storage.join();

            assertThat(reads).isPositive();
            assertThat(log.snapshot().index()).isEqualTo(last);
            assertThat(log.lastIndex()).isEqualTo(last);
        }
    }

    @Test
    void bootstrapRefusesALogThatIsNotEmpty() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.bootstrap(THREE);
            assertThatThrownBy(() -> log.bootstrap(THREE)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void bootstrapWithCommandsCommitsThemAfterTheConfigAndKeepsAVoteGivenWhileEmpty() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(4, 2, 0)), Optional.empty(), List.of()));
            log.bootstrap(THREE, List.of(new byte[]{7}, new byte[]{8, 9}));
        }
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.hardState()).isEqualTo(new HardState(4, 2, 3));
            List<Entry> entries = log.entries(1, 4, Long.MAX_VALUE);
            assertThat(entries).extracting(Entry::index).containsExactly(1L, 2L, 3L);
            assertThat(entries).extracting(Entry::term).containsOnly(1L);
            assertThat(entries).extracting(Entry::type)
                    .containsExactly(EntryType.CONFIG, EntryType.NORMAL, EntryType.NORMAL);
            assertThat(Membership.decode(entries.get(0).data())).isEqualTo(THREE);
            assertThat(entries.get(2).data()).containsExactly(8, 9);
        }
    }

    @Test
    void aClosedLogRefusesWritesAndReads() {
        RocksLogStore log = RocksLogStore.open(dir);
        log.close();
        log.close();
        assertThatThrownBy(() -> log.entries(1, 1, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.persist(ready(Optional.of(HardState.EMPTY), Optional.empty(), List.of())))
                .isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- corruption

    @Test
    void aFlippedByteInAStoredEntryIsReportedAsCorruptionNamingTheIndex() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 2)), Optional.empty(), entries(1, 5, 1)));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            byte[] value = raw.db().get(raw.family(LogFormat.ENTRIES), LogFormat.key(3));
            value[value.length - 1] ^= 0x01;
            raw.db().put(raw.family(LogFormat.ENTRIES), LogFormat.key(3), value);
        } catch (org.rocksdb.RocksDBException e) {
            throw new AssertionError(e);
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("log entry 3 is damaged: checksum mismatch")
                .hasMessageContaining("refuses to start");
    }

    @Test
    void aHardStateCommitBeyondTheLastEntryIsRefusedAsATruncatedLog() throws Exception {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 5)), Optional.empty(), entries(1, 6, 1)));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            raw.db().deleteRange(raw.family(LogFormat.ENTRIES), LogFormat.key(4), LogFormat.key(7));
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("truncated log: the hard state says entries up to 5 are committed but the "
                        + "log ends at 3")
                .hasMessageContaining("refuses to start rather than truncate");
    }

    @Test
    void aGapInTheLogIsRefused() throws Exception {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 2)), Optional.empty(), entries(1, 6, 1)));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            raw.db().delete(raw.family(LogFormat.ENTRIES), LogFormat.key(4));
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("the log has a gap: entry 4 is missing (the next stored entry is 5)");
    }

    @Test
    void anEntryLeftBehindByACompactionIsRefused() throws Exception {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 4)), Optional.empty(), entries(1, 6, 1)));
            log.compact(3, THREE);
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            raw.db().put(raw.family(LogFormat.ENTRIES), LogFormat.key(2),
                    LogFormat.encodeEntry(Entry.normal(1, 2, bytes("old"))));
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("log entry 2 is still stored although the snapshot at 3 replaced it");
    }

    @Test
    void aDamagedHardStateRecordIsRefused() throws Exception {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(7, 2, 0)), Optional.empty(), List.of()));
        }
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT)) {
            byte[] value = raw.db().get(raw.meta(), LogFormat.HARD_STATE_KEY);
            value[8] ^= 0x40;
            raw.db().put(raw.meta(), LogFormat.HARD_STATE_KEY, value);
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("the hard state record is damaged: checksum mismatch");
    }

    @Test
    void garbageOverTheManifestIsReportedAsCorruption() throws IOException {
        writeSomeLog();
        Path manifest = onlyFile("MANIFEST-");
        overwrite(manifest, 10, (int) Files.size(manifest) - 10);

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("RocksDB")
                .hasMessageContaining("refuses to start");
    }

    @Test
    void aManifestCutShortIsNotTakenForANewEmptyLog() throws Exception {
        writeSomeLog();
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT);
             FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            raw.db().flush(flush, List.of(raw.meta(), raw.family(LogFormat.ENTRIES)));
        }
        Path manifest = onlyFile("MANIFEST-");
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2); // RocksDB reads this as a torn write and opens an empty database
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("the database has no format version although");
    }

    @Test
    void garbageInsideATableFileIsReportedAsCorruption() throws Exception {
        writeSomeLog();
        try (RocksDatabase raw = RocksDatabase.open(dir, RocksLogStore.LAYOUT);
             FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            raw.db().flush(flush, List.of(raw.meta(), raw.family(LogFormat.ENTRIES)));
        }
        for (Path sst : files(".sst")) {
            overwrite(sst, 0, (int) Files.size(sst) / 2);
        }

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("RocksDB")
                .hasMessageContaining("Corruption");
    }

    @Test
    void garbageInTheMiddleOfTheWriteAheadLogIsReportedAsCorruption() throws IOException {
        writeSomeLog();
        Path wal = onlyFile(".log");
        overwrite(wal, (int) Files.size(wal) / 2, 64);

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void aTornLastWriteIsDroppedBecauseItWasNeverAcknowledged() throws IOException {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            log.persist(ready(Optional.of(new HardState(1, 0, 2)), Optional.empty(), entries(1, 3, 1)));
            log.persist(ready(Optional.of(new HardState(1, 0, 3)), Optional.empty(), entries(4, 4, 1)));
        }
        Path wal = onlyFile(".log");
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5);
        }

        try (RocksLogStore log = RocksLogStore.open(dir)) {
            assertThat(log.lastIndex()).isEqualTo(3);
            assertThat(log.hardState()).isEqualTo(new HardState(1, 0, 2));
        }
    }

    @Test
    void aDirectoryThatLostItsCurrentFileIsNotTakenForANewLog() throws IOException {
        writeSomeLog();
        Files.delete(dir.resolve("CURRENT"));

        assertThatThrownBy(() -> RocksLogStore.open(dir))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("CURRENT file is missing");
    }

    @Test
    void aStateMachineDirectoryIsNotOpenedAsALog() {
        RocksStateMachine.open(dir).close();

        assertThatThrownBy(() -> RocksLogStore.open(dir.resolve(RocksStateMachine.DATABASE_DIR)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[coordination, kv]");
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefusedWhileTheFirstIsOpen() {
        try (RocksLogStore first = RocksLogStore.open(dir)) {
            assertThatThrownBy(() -> RocksLogStore.open(dir))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("in use");
            assertThat(first.lastIndex()).isZero();
        }
    }

    // ---------------------------------------------------------------- helpers

    static Ready ready(Optional<HardState> hardState, Optional<Snapshot> snapshot, List<Entry> entries) {
        return new Ready(Role.FOLLOWER, RaftNode.NONE, hardState, snapshot, entries, List.of(), List.of(),
                List.of());
    }

    /** Entries {@code first..last} (inclusive) of {@code term}, each carrying its index and term as data. */
    static List<Entry> entries(long first, long last, long term) {
        return LongStream.rangeClosed(first, last)
                .mapToObj(i -> Entry.normal(term, i, bytes("entry " + i + "@" + term))).toList();
    }

    private static void drive(RaftNode node, RocksLogStore log) {
        while (node.hasReady()) {
            Ready ready = node.ready();
            log.persist(ready);
            node.advance(ready);
        }
    }

    private void writeSomeLog() {
        try (RocksLogStore log = RocksLogStore.open(dir)) {
            for (long i = 1; i <= 20; i++) {
                log.persist(ready(Optional.of(new HardState(1, 0, i - 1)), Optional.empty(), entries(i, i, 1)));
            }
        }
    }

    private static List<Long> storedIndexes(RocksDatabase raw) {
        List<Long> indexes = new ArrayList<>();
        try (var it = raw.db().newIterator(raw.family(LogFormat.ENTRIES))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                indexes.add(LogFormat.index(it.key()));
            }
        }
        return indexes;
    }

    private List<Path> files(String nameEnd) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(nameEnd)
                    || p.getFileName().toString().startsWith(nameEnd)).sorted().toList();
        }
    }

    private Path onlyFile(String nameStartOrEnd) throws IOException {
        List<Path> found = files(nameStartOrEnd);
        assertThat(found).as("files like %s in %s", nameStartOrEnd, dir).hasSize(1);
        return found.get(0);
    }

    private static void overwrite(Path file, long offset, int length) throws IOException {
        byte[] garbage = new byte[length];
        Arrays.fill(garbage, (byte) 0xA5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(garbage), offset);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
