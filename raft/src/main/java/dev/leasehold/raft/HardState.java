package dev.leasehold.raft;

/**
 * The state a node must persist before it sends any message of a {@link Ready}.
 *
 * @param term   the latest term the node has seen
 * @param vote   the node it voted for in {@code term}, or {@link RaftNode#NONE}
 * @param commit the highest log index known to be committed
 */
public record HardState(long term, long vote, long commit) {
    /** The state of a node that has never run. */
    public static final HardState EMPTY = new HardState(0, RaftNode.NONE, 0);
}
