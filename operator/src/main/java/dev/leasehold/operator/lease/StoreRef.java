package dev.leasehold.operator.lease;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A ReplicatedStore in the claim's own namespace.
 *
 * @param name the store's name
 */
public record StoreRef(
        @JsonPropertyDescription("Name of the ReplicatedStore.")
        @Required @Size(min = 1, max = 253)
        String name) {
}
