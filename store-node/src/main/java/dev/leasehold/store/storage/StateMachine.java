package dev.leasehold.store.storage;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.Membership;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The replicated state of a store node: the key-value data with revisions, the membership and member addresses,
 * and the index of the last applied log entry, all in RocksDB and changed only by {@link #apply(List)} and
 * {@link #restore(Path)}.
 *
 * <p>Threads: {@link #apply}, {@link #checkpoint}, {@link #restore} and {@link #close} are called by one thread at a
 * time; {@link #get}, {@link #range} and the accessors may be called by any thread at any time, and see the state
 * after some whole {@link #apply} call, never part of one.
 */
public interface StateMachine extends AutoCloseable {

    /** The index of the last applied entry (0 for a new store). */
    long appliedIndex();

    /** The store revision: the number of writes applied so far. */
    long revision();

    /**
     * The cluster's id as of {@link #appliedIndex()}: set once through the log ({@code SetClusterId}), empty
     * before. Sessions are granted only once it is set, so every session, token and answer carries it.
     */
    String clusterId();

    /** The membership as of {@link #appliedIndex()}. */
    Membership membership();

    /**
     * Sessions and locks as of {@link #appliedIndex()}. Read them through its public methods, which see the state
     * between two apply batches; after a {@link #restore} this returns another object.
     */
    Coordination coordination();

    /**
     * Where to report grants to queued waiters, ended sessions and restores: called on the applying thread after
     * the batch that caused them is written, before {@link #apply} returns.
     */
    void onCoordinationEvents(Consumer<List<Coordination.Event>> listener);

    /** The gRPC address of each member that has one recorded. */
    Map<Long, String> memberAddresses();

    /**
     * Applies committed entries in order, in one RocksDB write batch that also records the new applied index.
     * Entries at or below {@link #appliedIndex()} are skipped (a replay after restart). Returns one result per
     * applied entry, in order: for a {@code Command} with a put, delete or txn, its response (with the header's
     * revision set, member id and term left for the caller); nothing for empty, config and member-address
     * entries. A command that cannot be decoded is a fatal error.
     */
    List<ApplyResult> apply(List<Entry> entries);

    Optional<KeyValue> get(ByteString key);

    /** Keys with {@code prefix} strictly after {@code startAfter} (if not empty), at most {@code limit}. */
    RangeResponse range(ByteString prefix, ByteString startAfter, int limit);

    /**
     * Writes a consistent image of the whole state as of {@link #appliedIndex()} (a RocksDB checkpoint) into the
     * new directory {@code dir} and returns the applied index it holds.
     */
    long checkpoint(Path dir);

    /**
     * Replaces the whole state by the image in {@code dir} (a checkpoint made by {@link #checkpoint(Path)} on any
     * node and copied here); returns its applied index.
     */
    long restore(Path dir);

    @Override
    void close();
}
