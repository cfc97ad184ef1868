package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Raft timing of a store. The node's tick is the heartbeat interval; the election timeout is a whole number of
 * ticks (rounded down).
 *
 * @param heartbeatMillis       leader heartbeat interval
 * @param electionTimeoutMillis time without a heartbeat before a follower starts an election
 * @param snapshotThreshold     applied entries between snapshots (log compaction)
 */
@ValidationRule(value = "self.electionTimeoutMillis >= 5 * self.heartbeatMillis",
        message = "spec.raft.electionTimeoutMillis must be at least 5 times spec.raft.heartbeatMillis")
public record RaftTiming(
        @JsonPropertyDescription("Leader heartbeat interval in milliseconds (also the nodes' Raft tick).")
        @Default("100") @Min(10) @Max(10000)
        Integer heartbeatMillis,

        @JsonPropertyDescription("Election timeout in milliseconds: at least 5 heartbeats.")
        @Default("1000") @Min(50) @Max(60000)
        Integer electionTimeoutMillis,

        @JsonPropertyDescription("Number of applied entries after which a node snapshots its state and compacts its"
                + " log.")
        @Default("10000") @Min(100)
        Long snapshotThreshold) {

    static final RaftTiming DEFAULTS = new RaftTiming(100, 1000, 10_000L);

    RaftTiming withDefaults() {
        return new RaftTiming(
                heartbeatMillis == null ? DEFAULTS.heartbeatMillis : heartbeatMillis,
                electionTimeoutMillis == null ? DEFAULTS.electionTimeoutMillis : electionTimeoutMillis,
                snapshotThreshold == null ? DEFAULTS.snapshotThreshold : snapshotThreshold);
    }

    /** The election timeout in heartbeat ticks, as the store node takes it. */
    public int electionTicks() {
        return electionTimeoutMillis / heartbeatMillis;
    }
}
