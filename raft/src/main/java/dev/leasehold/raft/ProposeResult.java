package dev.leasehold.raft;

/** What became of a proposal. */
public sealed interface ProposeResult {

    /**
     * The proposal was appended to the leader's log. It is acknowledged only once the entry at {@code index}
     * is applied with the same {@code term}; a different term there means it was lost with a leader change.
     */
    record Accepted(long index, long term) implements ProposeResult {
    }

    /**
     * The proposal was not appended.
     *
     * @param reason what went wrong, for a client-facing message
     * @param leader the leader this node knows of, or {@link RaftNode#NONE}, so the caller can forward
     */
    record Rejected(String reason, long leader) implements ProposeResult {
    }
}
