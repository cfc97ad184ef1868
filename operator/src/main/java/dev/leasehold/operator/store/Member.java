package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One Raft member as the store reports it.
 *
 * @param name       Pod name
 * @param raftId     Raft id of this incarnation
 * @param role       leader or follower
 * @param membership voter or learner
 * @param health     healthy, or what is wrong
 * @param lag        log entries behind the leader
 */
public record Member(
        @JsonPropertyDescription("Pod name of the member.")
        String name,
        @JsonPropertyDescription("Raft id of this incarnation of the member.")
        Long raftId,
        @JsonPropertyDescription("leader or follower.")
        String role,
        @JsonPropertyDescription("voter or learner.")
        String membership,
        @JsonPropertyDescription("healthy, or what is wrong with the member.")
        String health,
        @JsonPropertyDescription("Log entries the member is behind the leader.")
        Long lag) {
}
