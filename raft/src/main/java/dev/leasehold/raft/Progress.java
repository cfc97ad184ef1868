package dev.leasehold.raft;

import java.util.ArrayDeque;

/** A leader's view of one member's log (etcd's tracker.Progress). */
final class Progress {

    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    /** In PROBE: an append was sent and no answer or heartbeat response came since. */
    boolean probeSent;
    /** In SNAPSHOT: the index of the snapshot sent, and how long ago. */
    long pendingSnapshot;
    int snapshotElapsed;
    /** Heard from since the last check-quorum round. */
    boolean recentActive;
    /** Last indexes of the appends in flight, oldest first. */
    private final ArrayDeque<Long> inflights = new ArrayDeque<>();
    private final int maxInflight;

    Progress(long next, int maxInflight) {
        this.next = next;
        this.maxInflight = maxInflight;
    }

    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.size() >= maxInflight;
            case SNAPSHOT -> true;
        };
    }

    void becomeProbe() {
        if (state == ProgressState.SNAPSHOT) {
            next = Math.max(match + 1, pendingSnapshot + 1);
        } else {
            next = match + 1;
        }
        reset(ProgressState.PROBE);
    }

    void becomeReplicate() {
        next = match + 1;
        reset(ProgressState.REPLICATE);
    }

    void becomeSnapshot(long snapshotIndex) {
        reset(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    private void reset(ProgressState newState) {
        state = newState;
        probeSent = false;
        pendingSnapshot = 0;
        snapshotElapsed = 0;
        inflights.clear();
    }

    /** Records that the follower holds the log up to {@code index}; returns whether that is news. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /** Records an append of entries up to {@code last} that was just sent. */
    void sentEntries(long last) {
        switch (state) {
            case REPLICATE -> {
                next = last + 1;
                inflights.addLast(last);
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> throw new IllegalStateException("appending to a follower in SNAPSHOT state");
        }
    }

    /** Frees the in-flight slots of appends up to {@code index}, which the follower acknowledged. */
    void freeInflightsUpTo(long index) {
        while (!inflights.isEmpty() && inflights.peekFirst() <= index) {
            inflights.removeFirst();
        }
    }

    /** A heartbeat came back while the window was full: let one more append out, in case appends were lost. */
    void freeFirstInflight() {
        inflights.pollFirst();
    }

    /**
     * The follower rejected an append after {@code rejected}; {@code matchHint} is where it may match. Returns
     * false when the rejection is stale.
     */
    boolean maybeDecreaseTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    @Override
    public String toString() {
        return state + "[match=" + match + ", next=" + next + (probeSent ? ", paused" : "")
                + (state == ProgressState.SNAPSHOT ? ", snapshot=" + pendingSnapshot : "")
                + ", inflight=" + inflights.size() + "]";
    }
}
