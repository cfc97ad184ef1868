package dev.leasehold.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link RaftStorage} held in memory: the reference for what a durable implementation must do, and the disk
 * of the simulator and of tests. Not thread-safe.
 */
public final class MemoryStorage implements RaftStorage {

    private HardState hardState = HardState.EMPTY;
    private Snapshot snapshot = Snapshot.EMPTY;
    /** Entries after the snapshot: {@code entries.get(i)} has index {@code snapshot.index() + 1 + i}. */
    private final ArrayList<Entry> entries = new ArrayList<>();

    /**
     * Makes this empty storage the first state of a new cluster: one committed {@link EntryType#CONFIG} entry at
     * index 1, term 1 with the initial membership. Every initial member bootstraps with the same membership.
     */
    public void bootstrap(Membership membership) {
        if (lastIndex() != 0 || hardState.term() != 0) {
            throw new IllegalStateException("storage is not empty: cannot bootstrap");
        }
        if (membership.voters().isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one voter");
        }
        entries.add(new Entry(1, 1, EntryType.CONFIG, membership.encode()));
        hardState = new HardState(1, RaftNode.NONE, 1);
    }

    /** Writes what a {@link Ready} asks to persist, in the order the contract requires. */
    public void persist(Ready ready) {
        ready.snapshot().ifPresent(this::applySnapshot);
        append(ready.entries());
        ready.hardState().ifPresent(this::setHardState);
    }

    public void setHardState(HardState state) {
        this.hardState = state;
    }

    /** Replaces the whole log by the snapshot. */
    public void applySnapshot(Snapshot newSnapshot) {
        if (newSnapshot.index() <= snapshot.index()) {
            return;
        }
        snapshot = newSnapshot;
        entries.clear();
    }

    /** Appends entries, first dropping any stored entries at or after the first new index. */
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        if (first <= snapshot.index()) {
            throw new IllegalArgumentException("entry " + first + " is before snapshot " + snapshot.index());
        }
        if (first > lastIndex() + 1) {
            throw new IllegalArgumentException("gap: entry " + first + " after last index " + lastIndex());
        }
        int keep = (int) (first - snapshot.index() - 1);
        entries.subList(keep, entries.size()).clear();
        entries.addAll(newEntries);
    }

    /**
     * Replaces the log up to {@code index} by a snapshot of the state machine at that index.
     *
     * @param index      an applied index, after the current snapshot and within the log
     * @param membership the committed membership as of {@code index}
     * @param data       the state machine's image
     */
    public Snapshot compact(long index, Membership membership, byte[] data) {
        if (index <= snapshot.index() || index > lastIndex()) {
            throw new IllegalArgumentException(
                    "cannot snapshot at " + index + ": log holds (" + snapshot.index() + ", " + lastIndex() + "]");
        }
        Snapshot newSnapshot = new Snapshot(index, term(index), membership, data);
        entries.subList(0, (int) (index - snapshot.index())).clear();
        snapshot = newSnapshot;
        return newSnapshot;
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < snapshot.index() || index > lastIndex()) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " outside [" + snapshot.index() + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - snapshot.index() - 1)).term();
    }

    @Override
    public List<Entry> entries(long from, long to, long maxBytes) {
        if (from <= snapshot.index() || to > lastIndex() + 1 || from > to) {
            throw new IndexOutOfBoundsException(
                    "range [" + from + ", " + to + ") outside (" + snapshot.index() + ", " + (lastIndex() + 1) + ")");
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = from; i < to; i++) {
            Entry e = entries.get((int) (i - snapshot.index() - 1));
            if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.size();
        }
        return out;
    }
}
