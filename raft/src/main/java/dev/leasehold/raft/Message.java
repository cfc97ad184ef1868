package dev.leasehold.raft;

import java.util.List;

/**
 * A message between Raft nodes. Every message carries the sender, the receiver and the sender's term;
 * the transport delivers it with {@link RaftNode#step(Message)} and may lose, delay, duplicate or reorder it.
 */
public sealed interface Message {

    long from();

    long to();

    long term();

    /**
     * Log entries from the leader, following the entry at {@code prevIndex} of term {@code prevTerm}.
     * An empty list is a probe.
     */
    record AppendEntries(long from, long to, long term, long prevIndex, long prevTerm, List<Entry> entries,
                         long commit) implements Message {
        public AppendEntries {
            entries = List.copyOf(entries);
        }
    }

    /**
     * The answer to {@link AppendEntries} or {@link InstallSnapshot}. On success {@code index} is the last
     * index now known to match the leader. On rejection {@code index} is the rejected {@code prevIndex}, and
     * {@code hintIndex}/{@code hintTerm} name the follower's last entry that may match, so the leader can skip
     * a whole term of conflicting entries in one round trip.
     */
    record AppendResponse(long from, long to, long term, long index, boolean reject, long hintIndex,
                          long hintTerm) implements Message {
    }

    /** Keeps followers from starting elections and carries the commit index and a read-confirmation round. */
    record Heartbeat(long from, long to, long term, long commit, long readRound) implements Message {
    }

    /** Acknowledges a {@link Heartbeat}, echoing its read round. */
    record HeartbeatResponse(long from, long to, long term, long readRound) implements Message {
    }

    /**
     * A request for a vote (or a pre-vote, which carries the term the candidate would campaign in without the
     * candidate having raised its own). {@code transfer} marks an election started by {@link TimeoutNow}, which
     * voters grant even while they believe in a current leader.
     */
    record RequestVote(long from, long to, long term, long lastIndex, long lastTerm, boolean preVote,
                       boolean transfer) implements Message {
    }

    /** The answer to {@link RequestVote}. */
    record VoteResponse(long from, long to, long term, boolean preVote, boolean reject) implements Message {
    }

    /** The leader's snapshot for a follower whose next entry was already compacted away. */
    record InstallSnapshot(long from, long to, long term, Snapshot snapshot) implements Message {
    }

    /** Tells a caught-up follower to start an election at once (leadership transfer). */
    record TimeoutNow(long from, long to, long term) implements Message {
    }

    /** A follower asks the leader for a read index on behalf of one of its local requests. */
    record ReadIndexRequest(long from, long to, long term, long requestId) implements Message {
    }

    /** The leader's answer to {@link ReadIndexRequest}. */
    record ReadIndexResponse(long from, long to, long term, long requestId, long index) implements Message {
    }
}
