package dev.leasehold.store.storage;

import dev.leasehold.raft.Membership;
import dev.leasehold.raft.RaftStorage;
import dev.leasehold.raft.Ready;
import java.util.List;

/**
 * The durable Raft log of a store node: entries, hard state (term, vote, commit) and the metadata of the latest
 * snapshot. Reads ({@link RaftStorage}) are served from memory or RocksDB without blocking on fsync. The image of
 * the state machine that a snapshot stands for lives in the {@link StateMachine}'s checkpoints: the snapshot
 * returned by {@link #snapshot()} carries only index, term and membership, with empty data.
 */
public interface LogStore extends RaftStorage, AutoCloseable {

    /**
     * Writes, in one write that is synced when {@link Ready#mustSync()} says so (one fsync for the whole Ready:
     * group commit), what {@code ready} asks to persist: a received snapshot's metadata (dropping every stored entry: the snapshot replaces the whole log,
     * as in {@code MemoryStorage}; a snapshot not newer than the stored one is ignored), then the entries (replacing
     * any stored entries from the first one's index on), then the hard state. Only the snapshot's index, term and
     * membership are kept: its image is the state machine's business ({@link StateMachine#restore}).
     */
    void persist(Ready ready);

    /**
     * Records that a state-machine checkpoint at {@code index} now stands for the log up to {@code index}, and
     * drops those entries. {@code index} must be within the stored log and applied.
     */
    void compact(long index, Membership membership);

    /**
     * Makes this log, which holds no entry, the first state of a new cluster: the membership at index 1 and the
     * commands after it, all of term 1 and committed. Every initial member bootstraps with the same arguments.
     *
     * @throws IllegalStateException when the log holds entries
     */
    void bootstrap(Membership membership, List<byte[]> commands);

    @Override
    void close();
}
