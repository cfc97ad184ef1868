package dev.leasehold.raft;

/** How a leader currently replicates to one follower. */
public enum ProgressState {
    /** Where the follower's log matches is unknown: one append per heartbeat until it answers. */
    PROBE,
    /** The follower is in step: appends are pipelined up to the in-flight window. */
    REPLICATE,
    /** The follower needs a snapshot; appends wait until it has installed one. */
    SNAPSHOT
}
