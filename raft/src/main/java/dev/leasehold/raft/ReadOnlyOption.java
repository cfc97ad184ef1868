package dev.leasehold.raft;

/** How the leader confirms that it still leads before answering a {@link RaftNode#readIndex(long)}. */
public enum ReadOnlyOption {
    /**
     * The default: a round of heartbeats acknowledged by a quorum after the request arrived. Safe under any
     * clock behaviour.
     */
    SAFE,
    /**
     * Answer at once while the leader's lease holds: a quorum acknowledged a heartbeat round sent less than an
     * election timeout ago, so none of them will vote for another candidate yet (check-quorum). Otherwise the
     * read falls back to a {@link #SAFE} round. Saves a round trip, but is only safe if every node's clock ticks at
     * the same rate and no follower of that quorum restarts within the lease (a restarted follower has forgotten
     * it); requires {@link RaftConfig#checkQuorum()}. Off by default; never used for session keep-alives.
     */
    LEASE_BASED
}
