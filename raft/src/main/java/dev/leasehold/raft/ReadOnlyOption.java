package dev.leasehold.raft;

/** How the leader confirms that it still leads before answering a {@link RaftNode#readIndex(long)}. */
public enum ReadOnlyOption {
    /**
     * The default: a round of heartbeats acknowledged by a quorum after the request arrived. Safe under any
     * clock behaviour.
     */
    SAFE,
    /**
     * Answer at once while the leader's check-quorum lease holds. Saves a round trip, but is only safe if no
     * node's clock runs faster than the others' by more than the election timeout minus the lease; requires
     * {@link RaftConfig#checkQuorum()}. Off by default; never used for session keep-alives.
     */
    LEASE_BASED
}
