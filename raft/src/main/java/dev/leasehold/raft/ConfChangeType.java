package dev.leasehold.raft;

/** The single-server membership changes the core supports (Raft dissertation §4.1). */
public enum ConfChangeType {
    /** Add a new id as a non-voting learner that receives the log. */
    ADD_LEARNER,
    /** Turn a learner that has caught up into a voter. */
    PROMOTE,
    /** Remove a voter or learner; its id can never be used again. */
    REMOVE
}
