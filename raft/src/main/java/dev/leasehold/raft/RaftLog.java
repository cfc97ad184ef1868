package dev.leasehold.raft;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as the core sees it: the durable {@link RaftStorage}, followed by entries (and possibly a received
 * snapshot) that were handed out in a {@link Ready} but are not yet known to be durable.
 */
final class RaftLog {

    static final long UNKNOWN = -1;

    private final RaftStorage storage;
    /** A snapshot received from the leader and not yet persisted; replaces everything before it. */
    private Snapshot pendingSnapshot;
    /** Entries from {@code unstableOffset} on that are not yet persisted; they win over storage there. */
    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long unstableOffset;
    private long committed;
    private long applied;

    RaftLog(RaftStorage storage) {
        this.storage = storage;
        this.unstableOffset = storage.lastIndex() + 1;
        this.applied = storage.snapshot().index();
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long firstIndex() {
        return (pendingSnapshot != null ? pendingSnapshot.index() : storage.snapshot().index()) + 1;
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return unstableOffset + unstable.size() - 1;
        }
        return pendingSnapshot != null ? pendingSnapshot.index() : storage.lastIndex();
    }

    /** The index up to which the log is durable. */
    long stableLastIndex() {
        return unstableOffset - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** The term of the entry at {@code index}, or {@link #UNKNOWN} when it is compacted or beyond the log. */
    long term(long index) {
        if (index >= unstableOffset) {
            long i = index - unstableOffset;
            return i < unstable.size() ? unstable.get((int) i).term() : UNKNOWN;
        }
        if (pendingSnapshot != null) {
            return index == pendingSnapshot.index() ? pendingSnapshot.term() : UNKNOWN;
        }
        if (index < storage.snapshot().index() || index > storage.lastIndex()) {
            return UNKNOWN;
        }
        return storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        long t = term(index);
        return t != UNKNOWN && t == term;
    }

    boolean isUpToDate(long lastIndex, long lastTerm) {
        long myTerm = lastTerm();
        return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}: where the leader's and a
     * follower's logs may match, skipping every entry of a term that cannot (Raft dissertation §5.3 optimisation).
     */
    long findConflictByTerm(long index, long term) {
        while (true) {
            long t = term(index);
            if (t == UNKNOWN || t <= term) {
                return index;
            }
            index--;
        }
    }

    /**
     * Entries in {@code [from, to)} up to {@code maxBytes} (at least one), or {@code null} when {@code from} was
     * compacted away.
     */
    List<Entry> entries(long from, long to, long maxBytes) {
        if (from < firstIndex()) {
            return null;
        }
        to = Math.min(to, lastIndex() + 1);
        List<Entry> out = new ArrayList<>();
        if (from >= to) {
            return out;
        }
        long bytes = 0;
        if (from < unstableOffset) {
            List<Entry> stored = storage.entries(from, Math.min(to, unstableOffset), maxBytes);
            out.addAll(stored);
            for (Entry e : stored) {
                bytes += e.size();
            }
            if (from + stored.size() < Math.min(to, unstableOffset)) {
                return out;
            }
        }
        for (long i = Math.max(from, unstableOffset); i < to; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            if (!out.isEmpty() && bytes + e.size() > maxBytes) {
                break;
            }
            out.add(e);
            bytes += e.size();
        }
        return out;
    }

    /**
     * Appends the leader's entries after {@code prevIndex} if the log holds {@code prevTerm} there, dropping
     * any conflicting suffix. Returns the index of the last new entry, or {@link #UNKNOWN} when the log does not
     * match at {@code prevIndex}.
     */
    long maybeAppend(long prevIndex, long prevTerm, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return UNKNOWN;
        }
        long lastNew = prevIndex + entries.size();
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                if (e.index() <= committed) {
                    throw new IllegalStateException(
                            "entry " + e.index() + " conflicts with a committed entry (commit " + committed + ")");
                }
                append(entries.subList((int) (e.index() - prevIndex - 1), entries.size()));
                break;
            }
        }
        return lastNew;
    }

    /** Appends entries that follow the log at or before its end, replacing what they overlap. */
    void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long after = entries.get(0).index();
        if (after <= committed) {
            throw new IllegalStateException("cannot overwrite committed entry " + after + " (commit " + committed + ")");
        }
        if (after > lastIndex() + 1) {
            throw new IllegalStateException("gap: appending " + after + " after last index " + lastIndex());
        }
        if (after <= unstableOffset) {
            unstable.clear();
            unstableOffset = after;
        } else {
            unstable.subList((int) (after - unstableOffset), unstable.size()).clear();
        }
        unstable.addAll(entries);
    }

    /** Raises the commit index; returns whether it moved. */
    boolean commitTo(long index) {
        if (index <= committed) {
            return false;
        }
        if (index > lastIndex()) {
            throw new IllegalStateException("commit " + index + " is beyond the last index " + lastIndex());
        }
        committed = index;
        return true;
    }

    void initCommitted(long index) {
        index = Math.max(index, storage.snapshot().index());
        if (index > storage.lastIndex()) {
            throw new IllegalStateException("stored commit index " + index + " is outside the stored log ("
                    + storage.snapshot().index() + ", " + storage.lastIndex() + "]: the storage is corrupt");
        }
        committed = index;
    }

    /** Replaces the log by a snapshot received from the leader. */
    void restore(Snapshot snapshot) {
        pendingSnapshot = snapshot;
        unstable.clear();
        unstableOffset = snapshot.index() + 1;
        committed = snapshot.index();
    }

    /** The snapshot the leader sends to followers that need one. */
    Snapshot snapshot() {
        return pendingSnapshot != null ? pendingSnapshot : storage.snapshot();
    }

    Snapshot pendingSnapshot() {
        return pendingSnapshot;
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable);
    }

    boolean hasUnstable() {
        return !unstable.isEmpty();
    }

    /** Marks entries up to {@code index} durable, if the entry there is still of {@code term}. */
    boolean stableTo(long index, long term) {
        if (index < unstableOffset || !matchTerm(index, term)) {
            return false;
        }
        unstable.subList(0, (int) (index - unstableOffset + 1)).clear();
        unstableOffset = index + 1;
        return true;
    }

    void stableSnapshotTo(long index) {
        if (pendingSnapshot != null && pendingSnapshot.index() == index) {
            pendingSnapshot = null;
        }
        applied = Math.max(applied, index);
    }

    boolean hasNextCommittedEntries() {
        return pendingSnapshot == null && committed > applied;
    }

    List<Entry> nextCommittedEntries(long maxBytes) {
        if (!hasNextCommittedEntries()) {
            return List.of();
        }
        return entries(applied + 1, committed + 1, maxBytes);
    }

    void appliedTo(long index) {
        if (index > committed || index < applied) {
            throw new IllegalStateException("applied " + index + " outside [" + applied + ", " + committed + "]");
        }
        applied = index;
    }
}
