package dev.leasehold.raft;

/**
 * The answer to a {@link RaftNode#readIndex(long)} request: once the local state machine has applied
 * {@code index}, a read served from it is linearizable with respect to every write acknowledged before
 * the request was made.
 *
 * @param requestId the caller's id of the request
 * @param index     the commit index the read must wait for
 */
public record ReadState(long requestId, long index) {
}
