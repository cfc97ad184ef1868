package dev.leasehold.store.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.command.v1.SetMemberAddress;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.ResponseHeader;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.Membership;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The state machine in RocksDB. The directory given to {@link #open(Path)} holds the database in {@code db/};
 * {@link #restore(Path)} briefly uses {@code db.incoming/} and {@code db.old/} beside it.
 *
 * <p>Layout: column family {@value #KV} maps each key to its {@link KeyValue} (the latest version only; a later
 * history of (key, revision) can live in a column family of its own without rewriting this one). The default
 * column family holds {@code applied_index} and {@code revision} (8 bytes big-endian), {@code membership}
 * ({@link Membership#encode()}), {@code member_address/ID} (ID as 8 bytes big-endian, the address in UTF-8) and
 * the format version.
 *
 * <p>Durability: one {@link #apply} is one write batch, including the new applied index and revision, so the state
 * on disk is always the state after some whole batch. The batch goes to RocksDB's write-ahead log without fsync:
 * it survives a crash of the process, and after a crash of the machine RocksDB recovers a consistent earlier
 * batch (point-in-time recovery, column families flushed atomically), and the node replays the rest from its Raft
 * log, which is synced. That is safe as long as the log is compacted only up to a {@link #checkpoint} (which
 * flushes everything up to its index to synced files), as {@link LogStore#compact} requires.
 *
 * <p>Thread-safety: {@link #apply}, {@link #checkpoint}, {@link #restore} and {@link #close} are meant for one
 * thread (they are serialized anyway). {@link #get}, {@link #range} and the accessors may be called from any
 * thread at the same time: a read sees the state before or after a whole apply batch, never part of one;
 * {@link #range} reads one consistent RocksDB snapshot, revision included; the accessors read one immutable
 * value published after each batch. A restore waits for reads in progress, and reads wait for a restore's swap.
 */
public final class RocksStateMachine implements StateMachine {

    static final String KV = "kv";
    static final String DATABASE_DIR = "db";
    static final String INCOMING_DIR = "db.incoming";
    static final String PREVIOUS_DIR = "db.old";
    static final RocksDatabase.Layout LAYOUT = new RocksDatabase.Layout("state-machine", 1,
            List.of(KV, Coordination.FAMILY),
            WALRecoveryMode.PointInTimeRecovery, true);

    /** The most keys one {@link #range} returns, also what a limit of 0 means. */
    static final int MAX_RANGE_LIMIT = 10_000;

    static final byte[] APPLIED_INDEX_KEY = bytes("applied_index");
    static final byte[] REVISION_KEY = bytes("revision");
    static final byte[] MEMBERSHIP_KEY = bytes("membership");
    static final byte[] CLUSTER_ID_KEY = bytes("cluster_id");
    static final byte[] ADDRESS_PREFIX = bytes("member_address/");

    private static final System.Logger LOG = System.getLogger(RocksStateMachine.class.getName());
    private static final Comparator<ByteString> BYTE_ORDER = ByteString.unsignedLexicographicalComparator();

    /** What the last apply left; published whole so that a reader never mixes two batches. */
    private record AppliedState(long index, long revision, Membership membership, Map<Long, String> addresses,
                                Coordination coordination, String clusterId) {
    }

    private final Path home;
    /** Read lock: any use of the database. Write lock: closing or replacing it. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private RocksDatabase database;
    private volatile AppliedState applied;
    private volatile Consumer<List<Coordination.Event>> listener = events -> { };

    private RocksStateMachine(Path home, RocksDatabase database, AppliedState applied) {
        this.home = home;
        this.database = database;
        this.applied = applied;
    }

    /**
     * Opens the state machine in {@code dir}, creating it if needed; first finishes or undoes a restore that a
     * crash interrupted.
     *
     * @throws StoreCorruptedException when the stored state is damaged
     */
    public static RocksStateMachine open(Path dir) {
        try {
            Files.createDirectories(dir);
            recoverInterruptedRestore(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the state machine directory " + dir, e);
        }
        RocksDatabase database = RocksDatabase.open(dir.resolve(DATABASE_DIR), LAYOUT);
        try {
            return new RocksStateMachine(dir, database, load(database));
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /**
     * The applied index of an existing state machine, read without writing to its directory; empty when there is
     * no database there yet or a restore was interrupted (which {@link #open} finishes).
     *
     * @throws StoreCorruptedException when the database is damaged
     */
    public static java.util.OptionalLong appliedIndexOf(Path dir) {
        Path db = dir.resolve(DATABASE_DIR);
        if (!Files.exists(db.resolve(RocksDatabase.MARKER_FILE)) || Files.exists(dir.resolve(DATABASE_DIR + ".incoming"))
                || Files.exists(dir.resolve(DATABASE_DIR + ".old"))) {
            return java.util.OptionalLong.empty();
        }
        try (RocksDatabase database = RocksDatabase.openReadOnly(db, LAYOUT)) {
            return java.util.OptionalLong.of(load(database).index());
        }
    }

    @Override
    public long appliedIndex() {
        return applied.index();
    }

    @Override
    public long revision() {
        return applied.revision();
    }

    @Override
    public Membership membership() {
        return applied.membership();
    }

    @Override
    public String clusterId() {
        return applied.clusterId();
    }

    @Override
    public Coordination coordination() {
        return applied.coordination();
    }

    @Override
    public void onCoordinationEvents(Consumer<List<Coordination.Event>> listener) {
        this.listener = listener;
    }

    /** In id order; an immutable copy. */
    @Override
    public Map<Long, String> memberAddresses() {
        return applied.addresses();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A {@code SetMemberAddress} with an empty address forgets the member's address. An entry that cannot be
     * applied (not a {@code Command}, an unknown command or enum value, an entry that does not follow the applied
     * index) throws {@link IllegalStateException} naming it, and nothing of the whole call is written.
     */
    @Override
    public synchronized List<ApplyResult> apply(List<Entry> entries) {
        List<ApplyResult> results;
        List<Coordination.Event> events;
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            RocksDatabase db = requireOpen();
            Coordination coordination = applied.coordination();
            synchronized (coordination) { // readers of sessions and locks see whole batches
                results = applyBatch(db, coordination, entries);
                events = coordination.drainEvents();
            }
        } finally {
            lock.unlock();
        }
        if (!events.isEmpty()) {
            listener.accept(events);
        }
        return results;
    }

    private List<ApplyResult> applyBatch(RocksDatabase db, Coordination coordination, List<Entry> entries) {
        AppliedState before = applied;
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
             ReadOptions reads = new ReadOptions()) {
            BatchRows rows = new BatchRows(db, batch, reads);
            KeyValueTable table = new KeyValueTable(rows, before.revision());
            long index = before.index();
            Membership membership = before.membership();
            String clusterId = before.clusterId();
            SortedMap<Long, String> addresses = new TreeMap<>(before.addresses());
            List<ApplyResult> results = new ArrayList<>();
            for (Entry entry : entries) {
                if (entry.index() <= index) {
                    continue; // replayed after a restart: already in the state
                }
                if (entry.index() != index + 1) {
                    throw new IllegalStateException("cannot apply " + entry + ": the state machine has applied "
                            + "up to " + index + " and entries must follow without gaps");
                }
                Optional<Message> response = Optional.empty();
                try {
                    switch (entry.type()) {
                        case CONFIG -> {
                            membership = Membership.decode(entry.data());
                            batch.put(db.meta(), MEMBERSHIP_KEY, entry.data());
                        }
                        case NORMAL -> {
                            if (entry.data().length > 0) {
                                Command command = Command.parseFrom(entry.data());
                                if (command.hasSetClusterId()) {
                                    String named = command.getSetClusterId().getClusterId();
                                    if (clusterId.isEmpty() && !named.isEmpty()) {
                                        clusterId = named;
                                        batch.put(db.meta(), CLUSTER_ID_KEY, named.getBytes(StandardCharsets.UTF_8));
                                    }
                                } else if (command.hasGrantSession() && clusterId.isEmpty()) {
                                    response = Optional.of(Coordination.refusal(Status.Code.UNAVAILABLE,
                                            "the cluster has no id yet (its first leader is naming it); retry"));
                                } else {
                                    response = applyCommand(entry.index(), command, table, coordination, rows,
                                            addresses);
                                    if (response.orElse(null) instanceof GrantResponse granted) {
                                        response = Optional.of(granted.toBuilder().setClusterId(clusterId).build());
                                    }
                                }
                            }
                        }
                    }
                } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                    throw new IllegalStateException("cannot apply " + entry + " (term " + entry.term() + "): "
                            + e.getMessage(), e);
                }
                index = entry.index();
                results.add(new ApplyResult(entry.index(), entry.term(), response));
            }
            if (results.isEmpty()) {
                return List.of();
            }
            batch.put(db.meta(), APPLIED_INDEX_KEY, encodeLong(index));
            batch.put(db.meta(), REVISION_KEY, encodeLong(table.revision()));
            db.db().write(db.bufferedWrites(), batch);
            applied = new AppliedState(index, table.revision(), membership,
                    Collections.unmodifiableSortedMap(addresses), coordination, clusterId);
            return results;
        } catch (RocksDBException e) {
            throw db.failure("applying entries after " + before.index(), e);
        }
    }

    private static Optional<Message> applyCommand(long index, Command command, KeyValueTable table,
                                                  Coordination coordination, BatchRows rows,
                                                  SortedMap<Long, String> addresses) {
        return Optional.ofNullable(switch (command.getCommandCase()) {
            case PUT -> fenced(coordination, command.getPut().getFence(), () -> table.put(command.getPut()));
            case DELETE -> fenced(coordination, command.getDelete().getFence(),
                    () -> table.delete(command.getDelete()));
            case TXN -> fenced(coordination, command.getTxn().getFence(), () -> table.txn(command.getTxn()));
            case MEMBER_ADDRESS -> {
                SetMemberAddress address = command.getMemberAddress();
                if (address.getAddress().isEmpty()) {
                    addresses.remove(address.getId());
                    rows.deleteMeta(addressKey(address.getId()));
                } else {
                    addresses.put(address.getId(), address.getAddress());
                    rows.putMeta(addressKey(address.getId()), address.getAddress().getBytes(StandardCharsets.UTF_8));
                }
                yield null;
            }
            case GRANT_SESSION -> coordination.grant(index, command.getGrantSession(), rows);
            case REVOKE_SESSION -> coordination.revoke(index, command.getRevokeSession().getSessionId(), rows);
            case EXPIRE_SESSION -> {
                coordination.expire(index, command.getExpireSession().getSessionId(), rows);
                yield null;
            }
            case DRAIN_SESSION -> coordination.drain(command.getDrainSession().getSessionId(), rows);
            case ACQUIRE -> coordination.acquire(index, command.getAcquire(), rows);
            case CANCEL_ACQUIRE -> coordination.cancel(command.getCancelAcquire(), rows);
            case RELEASE -> coordination.release(index, command.getRelease(), rows);
            case SET_CLUSTER_ID -> throw new IllegalStateException("SetClusterId is applied by applyBatch");
            case COMMAND_NOT_SET -> throw new IllegalArgumentException(
                    "the command is of a kind this build does not know (fields " + command.getUnknownFields()
                            .asMap().keySet() + ")");
        });
    }

    /** Runs a KV write only when its fence (if any) holds; a stale fence changes nothing, not even the revision. */
    private static Message fenced(Coordination coordination, Fence fence, Supplier<Message> write) {
        Refusal refusal = coordination.checkFence(fence);
        return refusal != null ? refusal : write.get();
    }

    @Override
    public Optional<KeyValue> get(ByteString key) {
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            RocksDatabase db = requireOpen();
            try {
                byte[] value = db.db().get(db.family(KV), key.toByteArray());
                return value == null ? Optional.empty() : Optional.of(parseKeyValue(db, key, value));
            } catch (RocksDBException e) {
                throw db.failure("reading a key", e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>In unsigned byte order. A {@code limit} of 0 or above {@value #MAX_RANGE_LIMIT} means
     * {@value #MAX_RANGE_LIMIT}. The header's revision is the one the keys were read at.
     *
     * @throws IllegalArgumentException when {@code limit} is negative
     */
    @Override
    public RangeResponse range(ByteString prefix, ByteString startAfter, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        int max = limit == 0 ? MAX_RANGE_LIMIT : Math.min(limit, MAX_RANGE_LIMIT);
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            return rangeAtOneSnapshot(requireOpen(), prefix, startAfter, max);
        } finally {
            lock.unlock();
        }
    }

    private static RangeResponse rangeAtOneSnapshot(RocksDatabase db, ByteString prefix, ByteString startAfter,
                                                    int max) {
        org.rocksdb.Snapshot snapshot = db.db().getSnapshot();
        try (ReadOptions reads = new ReadOptions().setSnapshot(snapshot);
             RocksIterator it = db.db().newIterator(db.family(KV), reads)) {
            byte[] revision = db.db().get(db.meta(), reads, REVISION_KEY);
            RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder()
                    .setRevision(revision == null ? 0 : decodeLong(db, "revision", revision)));
            boolean afterStart = !startAfter.isEmpty() && BYTE_ORDER.compare(startAfter, prefix) >= 0;
            byte[] start = (afterStart ? startAfter : prefix).toByteArray();
            it.seek(start);
            if (afterStart && it.isValid() && Arrays.equals(it.key(), start)) {
                it.next();
            }
            for (; it.isValid(); it.next()) {
                ByteString key = ByteString.copyFrom(it.key());
                if (!key.startsWith(prefix)) {
                    break;
                }
                if (response.getKvsCount() == max) {
                    response.setMore(true);
                    break;
                }
                response.addKvs(parseKeyValue(db, key, it.value()));
            }
            it.status();
            return response.build();
        } catch (RocksDBException e) {
            throw db.failure("reading a range", e);
        } finally {
            db.db().releaseSnapshot(snapshot);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dir} must not exist; its parent is created if needed. The checkpoint shares (hard-links) the
     * database's immutable files where the file system allows, and flushes the memory tables first, which makes
     * everything up to the returned index durable in this state machine too.
     */
    @Override
    public synchronized long checkpoint(Path dir) {
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            RocksDatabase db = requireOpen();
            if (dir.toAbsolutePath().getParent() != null) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
            }
            try (Checkpoint checkpoint = Checkpoint.create(db.db())) {
                checkpoint.createCheckpoint(dir.toString());
            } catch (RocksDBException e) {
                throw db.failure("writing a checkpoint into " + dir, e);
            }
            return applied.index();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the parent of " + dir, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dir} is copied, not consumed: the caller may delete it afterwards. The copy is synced and opened
     * once to check it before it replaces anything; then the old database is closed and the two directories are
     * swapped by renames. A crash at any point leaves the old or the new state, and {@link #open} clears what
     * remains of the attempt; a failure here is handled the same way, after which this state machine holds
     * whichever state survived (or is closed, when none can be opened).
     *
     * @throws IllegalArgumentException when {@code dir} is not a usable checkpoint; the state is then unchanged
     */
    @Override
    public synchronized long restore(Path dir) {
        ensureOpen();
        Path live = home.resolve(DATABASE_DIR);
        Path incoming = home.resolve(INCOMING_DIR);
        Path previous = home.resolve(PREVIOUS_DIR);
        try {
            deleteRecursively(incoming);
            deleteRecursively(previous);
            copyDurably(dir, incoming);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the checkpoint " + dir + " into " + incoming, e);
        }
        try (RocksDatabase candidate = RocksDatabase.open(incoming, LAYOUT)) {
            load(candidate);
        } catch (RuntimeException e) {
            try {
                deleteRecursively(incoming);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IllegalArgumentException("the checkpoint in " + dir + " cannot be restored: "
                    + e.getMessage(), e);
        }
        Lock lock = lifecycle.writeLock();
        lock.lock();
        try {
            database.close();
            database = null;
            Files.move(live, previous, StandardCopyOption.ATOMIC_MOVE);
            RocksDatabase.fsyncDirectory(home);
            // the commit point: from here on a crash leaves the new state
            Files.move(incoming, live, StandardCopyOption.ATOMIC_MOVE);
            RocksDatabase.fsyncDirectory(home);
            reopen();
        } catch (IOException | RuntimeException e) {
            recoverAfterFailedSwap(e);
            throw e instanceof IOException io ? new UncheckedIOException("restoring " + dir + " failed", io)
                    : (RuntimeException) e;
        } finally {
            lock.unlock();
        }
        try {
            deleteRecursively(previous);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete the replaced state in " + previous + "; the next start will", e);
        }
        listener.accept(List.of(new Coordination.Event.Reset()));
        return applied.index();
    }

    /** Frees every RocksDB handle; later calls fail with {@link IllegalStateException}. */
    @Override
    public synchronized void close() {
        Lock lock = lifecycle.writeLock();
        lock.lock();
        try {
            if (database != null) {
                database.close();
                database = null;
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- opening and restoring

    private static AppliedState load(RocksDatabase db) {
        try {
            // paranoid: read every block once, so a damaged file stops the node now rather than on some read later
            db.db().verifyChecksum();
            byte[] index = db.db().get(db.meta(), APPLIED_INDEX_KEY);
            byte[] revision = db.db().get(db.meta(), REVISION_KEY);
            if ((index == null) != (revision == null)) {
                throw db.corrupted("the state machine has " + (index == null ? "a revision but no applied index"
                        : "an applied index but no revision"));
            }
            if (index == null) {
                return new AppliedState(0, 0, Membership.EMPTY, Map.of(), loadCoordination(db), "");
            }
            byte[] membership = db.db().get(db.meta(), MEMBERSHIP_KEY);
            Membership decoded;
            try {
                decoded = membership == null ? Membership.EMPTY : Membership.decode(membership);
            } catch (IllegalArgumentException e) {
                throw db.corrupted("the stored membership is damaged: " + e.getMessage());
            }
            return new AppliedState(decodeLong(db, "applied index", index), decodeLong(db, "revision", revision),
                    decoded, loadAddresses(db), loadCoordination(db), loadClusterId(db));
        } catch (RocksDBException e) {
            throw db.failure("loading the state machine", e);
        }
    }

    private static String loadClusterId(RocksDatabase db) throws RocksDBException {
        byte[] id = db.db().get(db.meta(), CLUSTER_ID_KEY);
        return id == null ? "" : new String(id, StandardCharsets.UTF_8);
    }

    private static Coordination loadCoordination(RocksDatabase db) throws RocksDBException {
        Coordination coordination = new Coordination();
        try (RocksIterator it = db.db().newIterator(db.family(Coordination.FAMILY))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                try {
                    coordination.load(it.key(), it.value());
                } catch (InvalidProtocolBufferException | RuntimeException e) {
                    throw db.corrupted("a session or lock record is damaged: " + e.getMessage());
                }
            }
            it.status();
        }
        return coordination;
    }

    private static Map<Long, String> loadAddresses(RocksDatabase db) throws RocksDBException {
        SortedMap<Long, String> addresses = new TreeMap<>();
        try (RocksIterator it = db.db().newIterator(db.meta())) {
            for (it.seek(ADDRESS_PREFIX); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (!ByteString.copyFrom(key).startsWith(ByteString.copyFrom(ADDRESS_PREFIX))) {
                    break;
                }
                if (key.length != ADDRESS_PREFIX.length + Long.BYTES) {
                    throw db.corrupted("a member address key has " + key.length + " bytes");
                }
                addresses.put(ByteBuffer.wrap(key, ADDRESS_PREFIX.length, Long.BYTES).getLong(),
                        new String(it.value(), StandardCharsets.UTF_8));
            }
            it.status();
        }
        return Collections.unmodifiableSortedMap(addresses);
    }

    /**
     * Brings {@code home} back to exactly one database after a crash during {@link #restore}: before the commit
     * point the old database is kept (renamed back if it was already moved aside), after it the new one.
     */
    static void recoverInterruptedRestore(Path home) throws IOException {
        Path live = home.resolve(DATABASE_DIR);
        Path incoming = home.resolve(INCOMING_DIR);
        Path previous = home.resolve(PREVIOUS_DIR);
        if (Files.exists(previous)) {
            if (Files.exists(live)) {
                LOG.log(Level.INFO, "a restore into {0} completed before a crash; deleting the replaced state", home);
                deleteRecursively(previous);
            } else {
                LOG.log(Level.WARNING, "a restore into {0} was interrupted before it took effect; keeping the "
                        + "previous state", home);
                Files.move(previous, live, StandardCopyOption.ATOMIC_MOVE);
                RocksDatabase.fsyncDirectory(home);
            }
        }
        if (Files.exists(incoming)) {
            LOG.log(Level.INFO, "deleting the unfinished restore in {0}", incoming);
            deleteRecursively(incoming);
        }
    }

    private void reopen() {
        RocksDatabase reopened = RocksDatabase.open(home.resolve(DATABASE_DIR), LAYOUT);
        try {
            applied = load(reopened);
        } catch (RuntimeException e) {
            reopened.close();
            throw e;
        }
        database = reopened;
    }

    private void recoverAfterFailedSwap(Exception failure) {
        try {
            if (database != null) {
                database.close();
                database = null;
            }
            recoverInterruptedRestore(home);
            reopen();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            LOG.log(Level.ERROR, "after a failed restore, no state in " + home + " can be opened; closed", e);
        }
    }

    private static void copyDurably(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IOException(from + " is not a directory");
        }
        List<Path> directories = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                    directories.add(target);
                } else {
                    Files.copy(source, target);
                    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
        for (Path dir : directories) {
            RocksDatabase.fsyncDirectory(dir);
        }
        RocksDatabase.fsyncDirectory(to.toAbsolutePath().getParent());
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Must hold the lifecycle lock. */
    private RocksDatabase requireOpen() {
        if (database == null) {
            throw new IllegalStateException("the state machine in " + home + " is closed");
        }
        return database;
    }

    private void ensureOpen() {
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            requireOpen();
        } finally {
            lock.unlock();
        }
    }

    private static KeyValue parseKeyValue(RocksDatabase db, ByteString key, byte[] value) {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw db.corrupted("the value stored for key " + key.toStringUtf8() + " is not a KeyValue: "
                    + e.getMessage());
        }
    }

    private static byte[] addressKey(long id) {
        return ByteBuffer.allocate(ADDRESS_PREFIX.length + Long.BYTES).put(ADDRESS_PREFIX).putLong(id).array();
    }

    static byte[] encodeLong(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    private static long decodeLong(RocksDatabase db, String what, byte[] value) {
        if (value.length != Long.BYTES) {
            throw db.corrupted("the " + what + " record has " + value.length + " bytes instead of 8");
        }
        return ByteBuffer.wrap(value).getLong();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The keys as one apply batch sees them: its own writes over the database. */
    private record BatchRows(RocksDatabase db, WriteBatchWithIndex batch, ReadOptions reads)
            implements KeyValueTable.Rows, Coordination.Writes {

        /** A session or lock record. */
        @Override
        public void put(byte[] key, byte[] value) {
            try {
                batch.put(db.family(Coordination.FAMILY), key, value);
            } catch (RocksDBException e) {
                throw db.failure("adding a session or lock record to the apply batch", e);
            }
        }

        @Override
        public void delete(byte[] key) {
            try {
                batch.delete(db.family(Coordination.FAMILY), key);
            } catch (RocksDBException e) {
                throw db.failure("removing a session or lock record in the apply batch", e);
            }
        }

        void putMeta(byte[] key, byte[] value) {
            try {
                batch.put(db.meta(), key, value);
            } catch (RocksDBException e) {
                throw db.failure("adding a member address to the apply batch", e);
            }
        }

        void deleteMeta(byte[] key) {
            try {
                batch.delete(db.meta(), key);
            } catch (RocksDBException e) {
                throw db.failure("removing a member address in the apply batch", e);
            }
        }

        @Override
        public Optional<KeyValue> get(ByteString key) {
            try {
                byte[] value = batch.getFromBatchAndDB(db.db(), db.family(KV), reads, key.toByteArray());
                return value == null ? Optional.empty() : Optional.of(parseKeyValue(db, key, value));
            } catch (RocksDBException e) {
                throw db.failure("reading a key while applying", e);
            }
        }

        @Override
        public void put(KeyValue kv) {
            try {
                batch.put(db.family(KV), kv.getKey().toByteArray(), kv.toByteArray());
            } catch (RocksDBException e) {
                throw db.failure("adding a put to the apply batch", e);
            }
        }

        @Override
        public void delete(ByteString key) {
            try {
                batch.delete(db.family(KV), key.toByteArray());
            } catch (RocksDBException e) {
                throw db.failure("adding a delete to the apply batch", e);
            }
        }
    }
}
