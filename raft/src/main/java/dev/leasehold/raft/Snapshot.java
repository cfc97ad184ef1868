package dev.leasehold.raft;

import java.util.Objects;

/**
 * A point-in-time image of the state machine that replaces the log up to {@code index}.
 *
 * @param index      the last log index the image includes
 * @param term       the term of that entry
 * @param membership the committed membership as of {@code index}
 * @param data       the state machine's own encoding of its state (opaque to Raft)
 */
public record Snapshot(long index, long term, Membership membership, byte[] data) {

    /** The snapshot every log starts from: nothing applied, no members. */
    public static final Snapshot EMPTY = new Snapshot(0, 0, Membership.EMPTY, new byte[0]);

    public Snapshot {
        Objects.requireNonNull(membership, "membership");
        Objects.requireNonNull(data, "data");
    }

    public boolean isEmpty() {
        return index == 0;
    }

    @Override
    public String toString() {
        return "Snapshot[" + index + "@" + term + ", " + membership + ", " + data.length + "B]";
    }
}
