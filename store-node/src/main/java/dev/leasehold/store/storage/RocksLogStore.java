package dev.leasehold.store.storage;

import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.HardState;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.Ready;
import dev.leasehold.raft.Snapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;

/**
 * The Raft log in RocksDB (layout in {@link LogFormat}). Every change is one {@link WriteBatch} written with
 * {@code sync=true}: one fsync per {@link Ready}, however many entries it carries.
 *
 * <p>The terms of all stored entries, the last index, the snapshot metadata and the hard state are kept in
 * memory, so {@link #term(long)}, {@link #lastIndex()}, {@link #hardState()} and {@link #snapshot()} never touch
 * the disk; {@link #entries} reads RocksDB. The memory changes only after RocksDB accepted the write.
 *
 * <p>Opening verifies the whole stored log: entries contiguous from the snapshot index + 1 with non-decreasing
 * terms, every checksum, a commit index between the snapshot index and the last index. Anything else is a
 * {@link StoreCorruptedException}; nothing is ever repaired or truncated here. The write-ahead log is recovered in
 * {@link WALRecoveryMode#TolerateCorruptedTailRecords} mode: a record cut short at the end of the WAL is a write
 * that crashed before its fsync returned, so it was never acknowledged and is dropped; a record that fails its
 * checksum is refused. (RocksDB's default, point-in-time recovery, would silently drop that record and every
 * acknowledged one after it.)
 *
 * <p>Thread-safety: one thread may persist while another (the Raft loop) steps and reads. Writes ({@link #persist},
 * {@link #compact}, {@link #bootstrap}) are serialized among themselves, and a write holds no lock that reads need
 * while it waits for its fsync: the reads answer from memory, which changes in one short critical section after
 * RocksDB accepted the write, so they see the log before or after a whole write, never part of one.
 * {@link #entries} reads RocksDB outside any lock; the core only asks it for entries that no write in flight
 * replaces, and should it find them changed under it anyway, it waits for the write and reads again before calling
 * anything corruption. {@link #close()} waits for writes and reads in progress.
 */
public final class RocksLogStore implements LogStore {

    static final RocksDatabase.Layout LAYOUT = new RocksDatabase.Layout("raft-log", LogFormat.VERSION,
            List.of(LogFormat.ENTRIES), WALRecoveryMode.TolerateCorruptedTailRecords, false);

    private final RocksDatabase database;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle log;
    /** Serializes writes; held across their fsync. Taken before {@link #lifecycle}. */
    private final ReentrantLock writes = new ReentrantLock();
    /** Read lock: any use of the RocksDB handles. Write lock: closing them. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

    // the in-memory log: changed only by a thread holding `writes`, and then only inside synchronized (this)
    private HardState hardState;
    private Snapshot snapshot;
    /** {@code terms[i]} is the term of the entry at {@code snapshot.index() + 1 + i}, for {@code i < count}. */
    private long[] terms;
    private int count;
    private volatile boolean closed;

    private RocksLogStore(RocksDatabase database) {
        this.database = database;
        this.meta = database.meta();
        this.log = database.family(LogFormat.ENTRIES);
    }

    /**
     * Opens the log in {@code dir}, creating the directory and an empty log if needed, and verifies it.
     *
     * @throws StoreCorruptedException when the stored log is damaged or inconsistent
     */
    public static RocksLogStore open(Path dir) {
        RocksDatabase database = RocksDatabase.open(dir, LAYOUT);
        try {
            RocksLogStore store = new RocksLogStore(database);
            store.load();
            return store;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * Opens an existing log without writing to its directory and verifies it like {@link #open}: for examining a
     * store before it is opened for writing, so that a damaged one is refused untouched. The result may only be
     * read.
     *
     * @throws StoreCorruptedException when the stored log is damaged or inconsistent
     */
    public static RocksLogStore openReadOnly(Path dir) {
        RocksDatabase database = RocksDatabase.openReadOnly(dir, LAYOUT);
        try {
            RocksLogStore store = new RocksLogStore(database);
            store.load();
            return store;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * Makes this empty log the first state of a new cluster, like {@code MemoryStorage.bootstrap}: one committed
     * {@link EntryType#CONFIG} entry at index 1, term 1, with the initial membership. Every initial member
     * bootstraps with the same membership.
     */
    public void bootstrap(Membership membership) {
        bootstrap(membership, List.of());
    }

    /**
     * {@inheritDoc} The {@link EntryType#CONFIG} entry comes first, then one {@link EntryType#NORMAL} entry per
     * command. A term and vote this
     * node already holds (it may have answered a vote request of a member bootstrapped before it) are kept: the
     * vote was given with an empty log, which the new entries, identical on every initial member, do not change.
     */
    @Override
    public void bootstrap(Membership membership, List<byte[]> commands) {
        if (membership.voters().isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one voter");
        }
        whileWriting(() -> {
            if (lastIndex() != 0) {
                throw new IllegalStateException("the log in " + database.dir() + " is not empty: cannot bootstrap");
            }
            List<Entry> entries = new ArrayList<>();
            entries.add(new Entry(1, 1, EntryType.CONFIG, membership.encode()));
            for (byte[] command : commands) {
                entries.add(new Entry(1, entries.size() + 1, EntryType.NORMAL, command));
            }
            write(Optional.empty(), entries, Optional.of(new HardState(Math.max(1, hardState.term()),
                    hardState.vote(), entries.size())), true);
        });
    }

    @Override
    public void persist(Ready ready) {
        whileWriting(() -> write(ready.snapshot(), ready.entries(), ready.hardState(), ready.mustSync()));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code index} is not after the snapshot, beyond the last index or not
     *                                  committed
     */
    @Override
    public void compact(long index, Membership membership) {
        whileWriting(() -> {
            if (index <= snapshot.index() || index > lastIndex()) {
                throw new IllegalArgumentException("cannot compact at " + index + ": the log holds ("
                        + snapshot.index() + ", " + lastIndex() + "]");
            }
            if (index > hardState.commit()) {
                throw new IllegalArgumentException("cannot compact at " + index + ": only entries up to "
                        + hardState.commit() + " are committed");
            }
            Snapshot compacted = new Snapshot(index, term(index), membership, new byte[0]);
            try (WriteBatch batch = new WriteBatch()) {
                batch.put(meta, LogFormat.SNAPSHOT_KEY, LogFormat.encodeSnapshot(compacted));
                batch.deleteRange(log, LogFormat.key(snapshot.index() + 1), LogFormat.key(index + 1));
                database.db().write(database.syncedWrites(), batch);
            } catch (RocksDBException e) {
                throw database.failure("compacting the log up to " + index, e);
            }
            synchronized (this) {
                int dropped = (int) (index - snapshot.index());
                System.arraycopy(terms, dropped, terms, 0, count - dropped);
                count -= dropped;
                snapshot = compacted;
            }
        });
    }

    @Override
    public synchronized HardState hardState() {
        return hardState;
    }

    /** The latest snapshot's index, term and membership; its data is empty (see {@link LogStore}). */
    @Override
    public synchronized Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public synchronized long lastIndex() {
        return snapshot.index() + count;
    }

    @Override
    public synchronized long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < snapshot.index() || index > lastIndex()) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " outside [" + snapshot.index() + ", " + lastIndex() + "]");
        }
        return terms[(int) (index - snapshot.index() - 1)];
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        ensureOpen();
        synchronized (this) {
            if (from <= snapshot.index() || to > lastIndex() + 1 || from > to) {
                throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") outside (" + snapshot.index()
                        + ", " + (lastIndex() + 1) + ")");
            }
        }
        if (from == to) {
            return List.of();
        }
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            ensureOpen();
            Optional<List<Entry>> read = read(from, to, maxBytes);
            if (read.isPresent()) {
                return read.get();
            }
        } finally {
            lock.unlock();
        }
        // Entries changed under the read: a write replaced them. Wait for it (and its memory update) and read
        // again; what is still missing now is missing from the disk.
        List<Entry> again = new ArrayList<>();
        whileWriting(() -> {
            synchronized (this) {
                if (from <= snapshot.index() || to > lastIndex() + 1) {
                    throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") was dropped from the log "
                            + "while it was read: the log now holds (" + snapshot.index() + ", " + lastIndex() + "]");
                }
            }
            again.addAll(read(from, to, maxBytes).orElseThrow(() -> database.corrupted("log entries in ["
                    + from + ", " + to + ") are missing from RocksDB although the log holds ("
                    + snapshot.index() + ", " + lastIndex() + "]")));
        });
        return again;
    }

    /** Reads from RocksDB; empty when an entry the range needs is not there. */
    private Optional<List<Entry>> read(long from, long to, long maxBytes) {
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        try (Slice upperBound = new Slice(LogFormat.key(to));
             ReadOptions options = new ReadOptions().setIterateUpperBound(upperBound);
             RocksIterator it = database.db().newIterator(log, options)) {
            long expected = from;
            for (it.seek(LogFormat.key(from)); it.isValid(); it.next(), expected++) {
                if (LogFormat.index(it.key()) != expected) {
                    return Optional.empty();
                }
                byte[] value = it.value();
                long size = LogFormat.entrySize(value);
                if (!out.isEmpty() && bytes + size > maxBytes) {
                    return Optional.of(out);
                }
                out.add(decode(expected, value));
                bytes += size;
            }
            it.status();
            return expected == to ? Optional.of(out) : Optional.empty();
        } catch (RocksDBException e) {
            throw database.failure("reading log entries [" + from + ", " + to + ")", e);
        }
    }

    /** Frees the RocksDB handles; later calls fail with {@link IllegalStateException}. */
    @Override
    public void close() {
        writes.lock();
        try {
            Lock lock = lifecycle.writeLock();
            lock.lock();
            try {
                if (!closed) {
                    closed = true;
                    database.close();
                }
            } finally {
                lock.unlock();
            }
        } finally {
            writes.unlock();
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes, in one synced batch and in the order of the {@link LogStore#persist} contract: the snapshot (which
     * replaces the whole log, as in {@code MemoryStorage}), the entries (dropping any stored suffix from the first
     * new index), the hard state. Everything is checked before anything is written.
     */
    private void whileWriting(Runnable write) {
        writes.lock();
        try {
            Lock lock = lifecycle.readLock();
            lock.lock();
            try {
                ensureOpen();
                write.run();
            } finally {
                lock.unlock();
            }
        } finally {
            writes.unlock();
        }
    }

    /** Must run inside {@link #whileWriting}: it reads the in-memory log without locking it. */
    private void write(Optional<Snapshot> received, List<Entry> entries, Optional<HardState> newHardState,
                       boolean sync) {
        Optional<Snapshot> newSnapshot = received.filter(s -> s.index() > snapshot.index());
        long base = newSnapshot.map(Snapshot::index).orElse(snapshot.index());
        long last = newSnapshot.isPresent() ? base : lastIndex();
        checkAppend(entries, base, last);
        if (newSnapshot.isEmpty() && entries.isEmpty() && newHardState.isEmpty()) {
            return;
        }
        try (WriteBatch batch = new WriteBatch()) {
            if (newSnapshot.isPresent()) {
                batch.put(meta, LogFormat.SNAPSHOT_KEY, LogFormat.encodeSnapshot(newSnapshot.get()));
                if (count > 0) {
                    batch.deleteRange(log, LogFormat.key(snapshot.index() + 1), LogFormat.key(lastIndex() + 1));
                }
            }
            if (!entries.isEmpty()) {
                long first = entries.get(0).index();
                if (first <= last) {
                    batch.deleteRange(log, LogFormat.key(first), LogFormat.key(last + 1));
                }
                for (Entry e : entries) {
                    batch.put(log, LogFormat.key(e.index()), LogFormat.encodeEntry(e));
                }
            }
            if (newHardState.isPresent()) {
                batch.put(meta, LogFormat.HARD_STATE_KEY, LogFormat.encodeHardState(newHardState.get()));
            }
            // only a new commit index goes unsynced: losing it in a power failure loses nothing acknowledged
            database.db().write(sync ? database.syncedWrites() : database.unsyncedWrites(), batch);
        } catch (RocksDBException e) {
            throw database.failure("writing to the log", e);
        }
        synchronized (this) {
            if (newSnapshot.isPresent()) {
                Snapshot s = newSnapshot.get();
                snapshot = new Snapshot(s.index(), s.term(), s.membership(), new byte[0]);
                count = 0;
            }
            if (!entries.isEmpty()) {
                count = (int) (entries.get(0).index() - snapshot.index() - 1);
                for (Entry e : entries) {
                    appendTerm(e.term());
                }
            }
            newHardState.ifPresent(hs -> hardState = hs);
        }
    }

    private static void checkAppend(List<Entry> entries, long base, long last) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first <= base) {
            throw new IllegalArgumentException("entry " + first + " is at or before snapshot " + base);
        }
        if (first > last + 1) {
            throw new IllegalArgumentException("gap: entry " + first + " after last index " + last);
        }
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entries are not contiguous: " + entries.get(i)
                        + " follows " + entries.get(i - 1));
            }
        }
    }

    private void appendTerm(long term) {
        if (count == terms.length) {
            terms = Arrays.copyOf(terms, Math.max(16, terms.length * 2));
        }
        terms[count++] = term;
    }

    // ---------------------------------------------------------------- opening

    private void load() {
        snapshot = readMeta(LogFormat.SNAPSHOT_KEY, "snapshot metadata", LogFormat::decodeSnapshot)
                .orElse(Snapshot.EMPTY);
        hardState = readMeta(LogFormat.HARD_STATE_KEY, "hard state", LogFormat::decodeHardState)
                .orElse(HardState.EMPTY);
        terms = new long[1024];
        count = 0;
        long previousTerm = snapshot.term();
        try (RocksIterator it = database.db().newIterator(log)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long index;
                try {
                    index = LogFormat.index(it.key());
                } catch (IllegalArgumentException e) {
                    throw database.corrupted("the log holds a malformed key after entry " + lastIndex() + ": "
                            + e.getMessage());
                }
                long expected = lastIndex() + 1;
                if (index <= snapshot.index()) {
                    throw database.corrupted("log entry " + index + " is still stored although the snapshot at "
                            + snapshot.index() + " replaced it");
                }
                if (index != expected) {
                    throw database.corrupted("the log has a gap: entry " + expected + " is missing (the next "
                            + "stored entry is " + index + ")");
                }
                Entry entry = decode(index, it.value());
                if (entry.term() < previousTerm) {
                    throw database.corrupted("log entry " + index + " has term " + entry.term()
                            + ", lower than the term " + previousTerm + " before it");
                }
                previousTerm = entry.term();
                appendTerm(entry.term());
            }
            it.status();
        } catch (RocksDBException e) {
            throw database.failure("reading the log after entry " + lastIndex(), e);
        }
        if (hardState.commit() > lastIndex()) {
            throw database.corrupted("truncated log: the hard state says entries up to " + hardState.commit()
                    + " are committed but the log ends at " + lastIndex()
                    + (snapshot.isEmpty() ? "" : " (snapshot at " + snapshot.index() + ")"));
        }
        if (hardState.commit() < snapshot.index()) {
            throw database.corrupted("the hard state's commit index " + hardState.commit()
                    + " is below the snapshot index " + snapshot.index() + ", which only committed entries reach");
        }
    }

    private <T> Optional<T> readMeta(byte[] key, String what, Function<byte[], T> decoder) {
        byte[] value;
        try {
            value = database.db().get(meta, key);
        } catch (RocksDBException e) {
            throw database.failure("reading the " + what, e);
        }
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(decoder.apply(value));
        } catch (IllegalArgumentException e) {
            throw database.corrupted("the " + what + " record is damaged: " + e.getMessage());
        }
    }

    private Entry decode(long index, byte[] value) {
        try {
            return LogFormat.decodeEntry(index, value);
        } catch (IllegalArgumentException e) {
            throw database.corrupted("log entry " + index + " is damaged: " + e.getMessage());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the log in " + database.dir() + " is closed");
        }
    }
}
