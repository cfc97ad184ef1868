package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the operator observed. It reports only what it knows: {@code leader} and {@code members} as the store's nodes
 * answered this round, {@code clusterId} once the operator bootstrapped the store.
 *
 * @param observedGeneration the spec generation this status describes
 * @param phase              one word summary: Pending, Available, Degraded or Unavailable
 * @param conditions         Available, Progressing and Degraded
 * @param readyReplicas      store Pods that pass their readiness probe
 * @param leader             Pod name of the Raft leader
 * @param clusterId          the cluster's id, written once when it is bootstrapped
 * @param members            the Raft members
 * @param currentImage       the image the StatefulSet runs
 */
public record ReplicatedStoreStatus(
        @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
        Long observedGeneration,

        @JsonPropertyDescription("Pending (no quorum has been ready yet), Available (every member ready), Degraded"
                + " (a quorum but not every member ready) or Unavailable (fewer than a quorum ready).")
        String phase,

        @JsonPropertyDescription("Available, Progressing and Degraded, each with a reason and message.")
        List<Condition> conditions,

        @JsonPropertyDescription("Store Pods that pass their readiness probe (the gRPC health service).")
        Integer readyReplicas,

        @JsonPropertyDescription("Pod name of the current Raft leader, when known.")
        String leader,

        @JsonPropertyDescription("The store cluster's id (the ReplicatedStore's UID), written once at bootstrap.")
        String clusterId,

        @JsonPropertyDescription("The Raft members as the store reports them.")
        List<Member> members,

        @JsonPropertyDescription("The image the store nodes run.")
        String currentImage) {
}
