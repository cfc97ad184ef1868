package dev.leasehold.store;

import dev.leasehold.raft.RaftNode;

/** This node does not lead; {@code leader} names the node that does, when known. */
public final class NotLeaderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long leader;

    public NotLeaderException(String reason, long leader) {
        super(reason, null, false, false);
        this.leader = leader;
    }

    /** The leader this node knows of, or {@link RaftNode#NONE}. */
    public long leader() {
        return leader;
    }
}
