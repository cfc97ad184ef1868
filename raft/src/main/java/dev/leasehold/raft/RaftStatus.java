package dev.leasehold.raft;

import java.util.Map;

/**
 * A node's view of itself and, on a leader, of its followers.
 *
 * @param id         this node
 * @param role       its role
 * @param term       its current term
 * @param leader     the leader it knows of, or {@link RaftNode#NONE}
 * @param commit     its commit index
 * @param applied    the highest index handed out for applying and advanced
 * @param lastIndex  the last index of its log
 * @param membership the committed membership it follows
 * @param followers  on a leader, each other member's replication state; empty otherwise
 */
public record RaftStatus(long id, Role role, long term, long leader, long commit, long applied, long lastIndex,
                         Membership membership, Map<Long, FollowerStatus> followers) {

    public RaftStatus {
        followers = Map.copyOf(followers);
    }

    /**
     * How far a member's log is known to match the leader's.
     *
     * @param match the highest index known to match
     * @param next  the next index the leader will send
     * @param state how the leader replicates to it
     */
    public record FollowerStatus(long match, long next, ProgressState state) {
    }
}
