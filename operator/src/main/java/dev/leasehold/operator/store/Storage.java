package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The persistent volume each store node keeps its Raft log and state in.
 *
 * @param size             requested capacity, such as {@code 1Gi}
 * @param storageClassName storage class; absent means the cluster's default class
 * @param whenScaledDown   what becomes of the claim of a member removed by a scale-down
 */
public record Storage(
        @JsonPropertyDescription("Requested capacity of each node's volume, such as 1Gi.")
        @Required
        Quantity size,

        @JsonPropertyDescription("Storage class of the volumes; absent means the cluster's default storage class.")
        String storageClassName,

        @JsonPropertyDescription("What becomes of the volume claim of a member that a scale-down removed: Delete"
                + " (the default) deletes it once the member is out of Raft and its Pod is gone, so that a later"
                + " scale-up starts that Pod as a new member; Retain keeps it, and a Pod that comes back on it is"
                + " not added (a removed member's id is never reused) until the claim is deleted by hand. A store's"
                + " deletion always keeps the claims.")
        @Default("Delete")
        ClaimPolicy whenScaledDown) {

    /** What happens to a removed member's volume claim. */
    public enum ClaimPolicy {
        Delete,
        Retain
    }

    /** The policy, for a spec written before the field existed. */
    public ClaimPolicy whenScaledDownOrDefault() {
        return whenScaledDown == null ? ClaimPolicy.Delete : whenScaledDown;
    }
}
