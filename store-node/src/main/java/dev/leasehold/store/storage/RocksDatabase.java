package dev.leasehold.store.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;

/**
 * One open RocksDB with its column families and every native object that belongs to it, so that {@link #close()}
 * frees them all. Opening also decides whether the directory holds a healthy store of the expected kind, a new
 * one, or something the node must refuse to start on:
 * <ul>
 *   <li>the default column family holds a format version under {@link #FORMAT_KEY}, written (synced) when the
 *       store is created;</li>
 *   <li>a marker file beside RocksDB's own files records that the store was created. RocksDB can open a database
 *       whose MANIFEST lost its tail, or whose WAL was cut early, as an empty database; without the marker such a
 *       node would come back as a brand-new member that forgot its vote and its log.</li>
 * </ul>
 * RocksDB errors are translated by {@link #failure}: corruption becomes a {@link StoreCorruptedException}, the rest
 * an {@link UncheckedIOException}.
 */
final class RocksDatabase implements AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    /** The key, in the default column family, of the store's format version (a 4-byte big-endian int). */
    static final byte[] FORMAT_KEY = "format_version".getBytes(StandardCharsets.UTF_8);

    /** The marker file: its content names the kind of store. RocksDB ignores files it did not name itself. */
    static final String MARKER_FILE = "LEASEHOLD-STORE";

    private static final String DEFAULT_FAMILY = new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8);

    /**
     * What a store looks like on disk.
     *
     * @param kind          what the store is, for messages and the marker file ("raft-log", "state-machine")
     * @param formatVersion the layout version this build writes and reads
     * @param families      the column families besides the default one, which holds metadata
     * @param walRecovery   how RocksDB treats a damaged write-ahead log on open
     * @param atomicFlush   flush all column families together, so that unsynced writes across them stay
     *                      consistent after a crash
     */
    record Layout(String kind, int formatVersion, List<String> families, WALRecoveryMode walRecovery,
                  boolean atomicFlush) {
        Layout {
            families = List.copyOf(families);
        }
    }

    private final Path dir;
    private final Layout layout;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    private final RocksDB db;
    private final Map<String, ColumnFamilyHandle> handles;
    private final WriteOptions syncedWrites;
    private final WriteOptions unsyncedWrites;
    private final WriteOptions bufferedWrites;
    private boolean closed;

    private RocksDatabase(Path dir, Layout layout, DBOptions dbOptions, ColumnFamilyOptions familyOptions,
                          RocksDB db, Map<String, ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.layout = layout;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.db = db;
        this.handles = handles;
        this.syncedWrites = new WriteOptions().setSync(true);
        this.unsyncedWrites = new WriteOptions();
        this.bufferedWrites = new WriteOptions().setSync(false);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}.
     *
     * @throws StoreCorruptedException when RocksDB reports corruption or the directory is not a healthy store
     * @throws IllegalStateException   when the directory holds another kind of store or a newer format
     * @throws UncheckedIOException    when the directory cannot be used (in use by another process, I/O error)
     */
    static RocksDatabase open(Path dir, Layout layout) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dir, e);
        }
        return open(dir, layout, false);
    }

    /**
     * Opens an existing database without writing anything: no recovery flush, no new MANIFEST, no deleted files.
     * A damaged store is examined this way first, so that refusing it leaves the directory as it was.
     */
    static RocksDatabase openReadOnly(Path dir, Layout layout) {
        return open(dir, layout, true);
    }

    private static RocksDatabase open(Path dir, Layout layout, boolean readOnly) {
        boolean existing = Files.exists(dir.resolve("CURRENT"));
        if (existing) {
            checkFamilies(dir, layout);
        } else {
            refuseLostCurrentFile(dir, layout);
        }
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setParanoidChecks(true)
                .setWalRecoveryMode(layout.walRecovery())
                .setAtomicFlush(layout.atomicFlush())
                .setKeepLogFileNum(10);
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions();
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
        for (String family : layout.families()) {
            descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.UTF_8), familyOptions));
        }
        List<ColumnFamilyHandle> opened = new ArrayList<>();
        RocksDB db;
        try {
            db = readOnly ? RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, opened)
                    : RocksDB.open(dbOptions, dir.toString(), descriptors, opened);
        } catch (RocksDBException e) {
            familyOptions.close();
            dbOptions.close();
            throw openFailure(dir, e, existing);
        }
        Map<String, ColumnFamilyHandle> handles = new LinkedHashMap<>();
        handles.put(DEFAULT_FAMILY, opened.get(0));
        for (int i = 0; i < layout.families().size(); i++) {
            handles.put(layout.families().get(i), opened.get(i + 1));
        }
        RocksDatabase database = new RocksDatabase(dir, layout, dbOptions, familyOptions, db, handles);
        try {
            database.checkFormat();
            return database;
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    RocksDB db() {
        return db;
    }

    Path dir() {
        return dir;
    }

    /** The default column family: the store's metadata. */
    ColumnFamilyHandle meta() {
        return handles.get(DEFAULT_FAMILY);
    }

    ColumnFamilyHandle family(String name) {
        ColumnFamilyHandle handle = handles.get(name);
        if (handle == null) {
            throw new IllegalArgumentException("no column family " + name + " in " + layout.kind());
        }
        return handle;
    }

    /** Writes that return only once they are on disk (fsync). */
    WriteOptions syncedWrites() {
        return syncedWrites;
    }

    /** For writes whose loss in a power failure is harmless (the WAL keeps their order with later synced ones). */
    WriteOptions unsyncedWrites() {
        return unsyncedWrites;
    }

    /** Writes that reach the WAL in the OS page cache: they survive a process crash, not a power loss. */
    WriteOptions bufferedWrites() {
        return bufferedWrites;
    }

    StoreCorruptedException corrupted(String problem) {
        return new StoreCorruptedException(dir, problem);
    }

    /** Translates a RocksDB error that happened while {@code doing} something on an open database. */
    RuntimeException failure(String doing, RocksDBException e) {
        if (isCorruption(e)) {
            return new StoreCorruptedException(dir, "RocksDB reports corruption while " + doing + ": "
                    + describe(e), e);
        }
        return new UncheckedIOException(new IOException(
                "RocksDB failed while " + doing + " in " + dir + ": " + describe(e), e));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // handles before the database, the database before the options it was opened with
        handles.values().forEach(ColumnFamilyHandle::close);
        db.close();
        syncedWrites.close();
        unsyncedWrites.close();
        bufferedWrites.close();
        familyOptions.close();
        dbOptions.close();
    }

    // ---------------------------------------------------------------- opening

    private void checkFormat() {
        byte[] stored;
        try {
            stored = db.get(meta(), FORMAT_KEY);
        } catch (RocksDBException e) {
            throw failure("reading the format version", e);
        }
        Path marker = dir.resolve(MARKER_FILE);
        if (stored != null) {
            if (stored.length != Integer.BYTES) {
                throw corrupted("the format version record has " + stored.length + " bytes instead of 4");
            }
            int version = ByteBuffer.wrap(stored).getInt();
            if (version != layout.formatVersion()) {
                throw new IllegalStateException("the " + layout.kind() + " in " + dir + " has format version "
                        + version + " but this build reads only version " + layout.formatVersion());
            }
            if (!Files.exists(marker)) {
                writeMarker(); // a store restored from a checkpoint, or a crash right after creation
            }
            return;
        }
        if (Files.exists(marker)) {
            throw corrupted("the database has no format version although " + marker + " shows that it was "
                    + "created: its metadata and likely its data are lost (a truncated MANIFEST or write-ahead "
                    + "log can make RocksDB open it as an empty database)");
        }
        for (Map.Entry<String, ColumnFamilyHandle> family : handles.entrySet()) {
            try (RocksIterator it = db.newIterator(family.getValue())) {
                it.seekToFirst();
                if (it.isValid()) {
                    throw corrupted("column family '" + family.getKey() + "' holds data but the database has "
                            + "no format version: it is not a " + layout.kind() + " this build wrote");
                }
                it.status();
            } catch (RocksDBException e) {
                throw failure("looking for data in a new store", e);
            }
        }
        try {
            db.put(meta(), syncedWrites, FORMAT_KEY, ByteBuffer.allocate(Integer.BYTES)
                    .putInt(layout.formatVersion()).array());
        } catch (RocksDBException e) {
            throw failure("writing the format version", e);
        }
        writeMarker();
    }

    private void writeMarker() {
        Path marker = dir.resolve(MARKER_FILE);
        Path tmp = dir.resolve(MARKER_FILE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap((layout.kind() + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + marker, e);
        }
    }

    /** Makes renames and new files in {@code dir} durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Without its CURRENT file RocksDB would create a new, empty database next to the old files (and then delete
     * them as obsolete): refuse instead when anything shows that a database lived here.
     */
    private static void refuseLostCurrentFile(Path dir, Layout layout) {
        List<String> evidence;
        try (Stream<Path> files = Files.list(dir)) {
            evidence = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.equals(MARKER_FILE) || n.endsWith(".sst") || n.endsWith(".log")
                            || n.startsWith("MANIFEST-"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data directory " + dir, e);
        }
        // a MANIFEST alone may be a crash while RocksDB created the database, before it wrote CURRENT
        boolean created = evidence.stream().anyMatch(n -> !n.startsWith("MANIFEST-"));
        if (created) {
            throw new StoreCorruptedException(dir, "RocksDB's CURRENT file is missing although the directory holds "
                    + "a " + layout.kind() + " (" + String.join(", ", evidence) + ")");
        }
    }

    private static void checkFamilies(Path dir, Layout layout) {
        List<byte[]> stored;
        try (Options options = new Options()) {
            stored = RocksDB.listColumnFamilies(options, dir.toString());
        } catch (RocksDBException e) {
            throw openFailure(dir, e, true);
        }
        Set<String> known = new HashSet<>(layout.families());
        known.add(DEFAULT_FAMILY);
        Set<String> unknown = new TreeSet<>();
        for (byte[] name : stored) {
            String family = new String(name, StandardCharsets.UTF_8);
            if (!known.contains(family)) {
                unknown.add(family);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(dir + " holds column families " + unknown + " that a " + layout.kind()
                    + " does not have: it is another kind of store, or was written by a newer version");
        }
    }

    private static RuntimeException openFailure(Path dir, RocksDBException e, boolean existing) {
        Status.Code code = e.getStatus() == null ? Status.Code.Undefined : e.getStatus().getCode();
        String message = String.valueOf(e.getMessage());
        if (code == Status.Code.IOError && message.contains("LOCK")) {
            return new UncheckedIOException(new IOException(
                    "the data directory " + dir + " is in use by another process or store: " + message, e));
        }
        // An existing database that RocksDB cannot read (a lost file, an unreadable MANIFEST) is as broken as one
        // with a bad checksum; only an I/O error without a missing file is the environment's fault.
        boolean lostFile = message.contains("No such file");
        if (isCorruption(e) || (existing && (lostFile || code == Status.Code.NotFound
                || code == Status.Code.InvalidArgument))) {
            return new StoreCorruptedException(dir, "RocksDB cannot open the database: " + describe(e), e);
        }
        return new UncheckedIOException(new IOException(
                "RocksDB cannot open the database in " + dir + ": " + describe(e), e));
    }

    private static boolean isCorruption(RocksDBException e) {
        return e.getStatus() != null && e.getStatus().getCode() == Status.Code.Corruption;
    }

    private static String describe(RocksDBException e) {
        Status status = e.getStatus();
        String code = status == null ? "" : status.getCodeString() + ": ";
        // RocksDB's messages end with a period and carry double spaces; they sit inside a sentence here
        String message = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip().replaceAll("\\.+$", "");
        return message.startsWith(code.strip()) ? message : code + message;
    }
}
