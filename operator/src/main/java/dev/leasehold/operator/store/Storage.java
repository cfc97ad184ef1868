package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The persistent volume each store node keeps its Raft log and state in.
 *
 * @param size             requested capacity, such as {@code 1Gi}
 * @param storageClassName storage class; absent means the cluster's default class
 */
public record Storage(
        @JsonPropertyDescription("Requested capacity of each node's volume, such as 1Gi.")
        @Required
        Quantity size,

        @JsonPropertyDescription("Storage class of the volumes; absent means the cluster's default storage class.")
        String storageClassName) {
}
