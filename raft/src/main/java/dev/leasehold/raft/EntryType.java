package dev.leasehold.raft;

/** What a log entry carries: application data, or a new cluster membership. */
public enum EntryType {
    /** Opaque application command (an empty one is appended by every new leader). */
    NORMAL,
    /** The complete membership that takes effect once this entry is committed. */
    CONFIG
}
