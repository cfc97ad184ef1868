package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/**
 * What the user asks for. Validated by the API server; the operator applies a change of replicas as Raft membership
 * changes and a change of the Pods as a rolling restart, one member at a time.
 *
 * @param replicas  number of store nodes (Raft voters)
 * @param image     store node image; absent means the image of the operator's own version
 * @param storage   each node's volume; immutable
 * @param resources CPU and memory of each node's container
 * @param raft      Raft timing
 * @param scheduling where the nodes' Pods may run
 * @param rollout   how a change of the Pods is rolled out
 */
// on the object, not the fields: a rule on a record component would be emitted twice (field and accessor)
@ValidationRule(value = "self.replicas % 2 == 1", fieldPath = ".replicas",
        message = "spec.replicas must be odd (1, 3, 5, 7 or 9): an even count adds no fault tolerance")
@ValidationRule(value = "self.storage == oldSelf.storage", fieldPath = ".storage",
        message = "spec.storage is immutable after creation")
public record ReplicatedStoreSpec(
        @JsonPropertyDescription("Number of store nodes, all Raft voters: odd, 1 to 9. A majority (replicas / 2 + 1)"
                + " must be up for the store to work.")
        @Default("3") @Min(1) @Max(9)
        Integer replicas,

        @JsonPropertyDescription("Container image of the store nodes. When absent the operator uses the image of its"
                + " own version and reports it in status.currentImage.")
        String image,

        @JsonPropertyDescription("Persistent volume of each node (size and storage class). Immutable: volumes of a"
                + " StatefulSet cannot be changed in place.")
        @Required
        Storage storage,

        @JsonPropertyDescription("CPU and memory requests and limits of each store node's container.")
        ResourceRequirements resources,

        @JsonPropertyDescription("Raft timing; every field has a default.")
        RaftTiming raft,

        @JsonPropertyDescription("Where the store nodes' Pods may run. Without topologySpreadConstraints the Pods are"
                + " spread across nodes (kubernetes.io/hostname) when possible, not required, so a one-node cluster"
                + " still schedules them.")
        Scheduling scheduling,

        @JsonPropertyDescription("How a change of image, resources or Raft timing is rolled out: one member at a"
                + " time, followers first, the leader last after moving leadership away.")
        Rollout rollout) {

    /** The Raft timing, with every default filled in when the user gave no {@code raft} section. */
    public RaftTiming raftOrDefaults() {
        return raft == null ? RaftTiming.DEFAULTS : raft.withDefaults();
    }

    /** The rollout settings, with every default filled in when the user gave none. */
    public Rollout rolloutOrDefaults() {
        return rollout == null ? Rollout.DEFAULTS : rollout;
    }

    /** The scheduling constraints, empty when the user gave none. */
    public Scheduling schedulingOrEmpty() {
        return scheduling == null ? Scheduling.NONE : scheduling;
    }
}
