package dev.leasehold.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * @param term  the leader term in which the entry was created
 * @param index its position in the log, starting at 1
 * @param type  whether it carries application data or a membership
 * @param data  the payload; never modified after construction
 */
public record Entry(long term, long index, EntryType type, byte[] data) {

    public Entry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** An application entry. */
    public static Entry normal(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    /** The approximate size of this entry, used to bound message and Ready sizes. */
    public long size() {
        return data.length + 24L;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && e.term == term && e.index == index && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Entry[" + index + "@" + term + (type == EntryType.CONFIG ? " config" : "") + ", " + data.length + "B]";
    }
}
