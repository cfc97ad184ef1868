package dev.leasehold.raft;

/**
 * The settings of one Raft node. Times are in ticks: the caller decides how long a tick is.
 *
 * @param id                       this node's id (positive, never reused)
 * @param electionTicks            a follower that hears no leader for a random time in
 *                                 [electionTicks, 2 × electionTicks) starts an election; also the
 *                                 check-quorum period of a leader
 * @param heartbeatTicks           how often a leader sends heartbeats
 * @param preVote                  ask for pre-votes before raising the term (Raft dissertation §9.6)
 * @param checkQuorum              a leader steps down when it has not heard from a quorum within an election
 *                                 timeout, and followers that hear from a leader ignore vote requests
 * @param readOnlyOption           how read-index requests are confirmed
 * @param maxMessageBytes          the most entry bytes in one {@link Message.AppendEntries} (at least one entry
 *                                 is always sent)
 * @param maxInflightMessages      how many {@link Message.AppendEntries} may be unacknowledged per follower
 *                                 (the pipelining window)
 * @param maxCommittedBytesPerReady the most entry bytes handed out for applying in one {@link Ready}
 * @param promotionLagEntries      a learner is only promoted when its log is at most this far behind the
 *                                 leader's commit index
 * @param snapshotTimeoutTicks     a follower sent a snapshot that has not answered within this time is probed
 *                                 again, in case the snapshot was lost
 * @param randomSeed               seeds the randomized election timeout; use a random value in production and
 *                                 a fixed one in simulation
 */
public record RaftConfig(long id, int electionTicks, int heartbeatTicks, boolean preVote, boolean checkQuorum,
                         ReadOnlyOption readOnlyOption, long maxMessageBytes, int maxInflightMessages,
                         long maxCommittedBytesPerReady, long promotionLagEntries, int snapshotTimeoutTicks,
                         long randomSeed) {

    public RaftConfig {
        require(id > 0, "id must be positive, was " + id);
        require(heartbeatTicks > 0, "heartbeatTicks must be positive, was " + heartbeatTicks);
        require(electionTicks > heartbeatTicks,
                "electionTicks (" + electionTicks + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        require(readOnlyOption != null, "readOnlyOption must be set");
        require(readOnlyOption != ReadOnlyOption.LEASE_BASED || checkQuorum,
                "readOnlyOption LEASE_BASED requires checkQuorum");
        require(maxMessageBytes > 0, "maxMessageBytes must be positive, was " + maxMessageBytes);
        require(maxInflightMessages > 0, "maxInflightMessages must be positive, was " + maxInflightMessages);
        require(maxCommittedBytesPerReady > 0,
                "maxCommittedBytesPerReady must be positive, was " + maxCommittedBytesPerReady);
        require(promotionLagEntries >= 0, "promotionLagEntries must not be negative, was " + promotionLagEntries);
        require(snapshotTimeoutTicks > 0, "snapshotTimeoutTicks must be positive, was " + snapshotTimeoutTicks);
    }

    /**
     * The defaults: election after 10 ticks, heartbeat every tick, pre-vote and check-quorum on, safe reads,
     * 1 MiB messages, 256 messages in flight per follower.
     */
    public static RaftConfig defaults(long id) {
        return new RaftConfig(id, 10, 1, true, true, ReadOnlyOption.SAFE, 1 << 20, 256, 64L << 20, 1000, 100,
                id);
    }

    public RaftConfig withTicks(int newElectionTicks, int newHeartbeatTicks) {
        return new RaftConfig(id, newElectionTicks, newHeartbeatTicks, preVote, checkQuorum, readOnlyOption,
                maxMessageBytes, maxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries,
                snapshotTimeoutTicks, randomSeed);
    }

    public RaftConfig withPreVote(boolean on) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, on, checkQuorum, readOnlyOption, maxMessageBytes,
                maxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries, snapshotTimeoutTicks,
                randomSeed);
    }

    public RaftConfig withCheckQuorum(boolean on) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, on, readOnlyOption, maxMessageBytes,
                maxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries, snapshotTimeoutTicks,
                randomSeed);
    }

    public RaftConfig withReadOnlyOption(ReadOnlyOption option) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, option, maxMessageBytes,
                maxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries, snapshotTimeoutTicks,
                randomSeed);
    }

    public RaftConfig withFlowControl(long newMaxMessageBytes, int newMaxInflightMessages) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, readOnlyOption,
                newMaxMessageBytes, newMaxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries,
                snapshotTimeoutTicks, randomSeed);
    }

    public RaftConfig withRandomSeed(long seed) {
        return new RaftConfig(id, electionTicks, heartbeatTicks, preVote, checkQuorum, readOnlyOption,
                maxMessageBytes, maxInflightMessages, maxCommittedBytesPerReady, promotionLagEntries,
                snapshotTimeoutTicks, seed);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
