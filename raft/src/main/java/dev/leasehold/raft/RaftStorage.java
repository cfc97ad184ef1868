package dev.leasehold.raft;

import java.util.List;

/**
 * The durable part of a node's log, as the core reads it. The caller keeps it up to date with what each
 * {@link Ready} asked to persist before calling {@link RaftNode#advance(Ready)}; the core never writes to it.
 * Reads must be answered from memory or a local cache: the core calls them while it steps.
 * {@link MemoryStorage} is the reference implementation.
 */
public interface RaftStorage {

    /** The persisted hard state, {@link HardState#EMPTY} for a node that never ran. */
    HardState hardState();

    /** The latest snapshot; the log starts right after its index. {@link Snapshot#EMPTY} when there is none. */
    Snapshot snapshot();

    /** The index of the last stored entry, or the snapshot index when there is none after it. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}, for {@code snapshot().index() <= index <= lastIndex()}.
     *
     * @throws IndexOutOfBoundsException outside that range
     */
    long term(long index);

    /**
     * Entries in {@code [from, to)}, all of them stored: {@code snapshot().index() < from <= to <= lastIndex()+1}.
     * Returns at least one entry when the range is not empty, and stops before exceeding {@code maxBytes}.
     */
    List<Entry> entries(long from, long to, long maxBytes);
}
