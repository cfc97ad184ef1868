package dev.leasehold.operator.lease;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A claim; every field is fixed at creation (to claim differently, create another {@code Lease}).
 *
 * @param storeRef       the store, in the claim's namespace
 * @param lockName       the lock; the store namespaces it by the claim's namespace
 * @param holderIdentity who holds the claim, such as a Pod name
 * @param ttlSeconds     how long the claim outlives its holder's last renewal
 * @param renewal        who keeps the session alive
 */
@ValidationRule(value = "self.storeRef == oldSelf.storeRef", message = "spec.storeRef is immutable after creation",
        fieldPath = ".storeRef")
@ValidationRule(value = "self.lockName == oldSelf.lockName", message = "spec.lockName is immutable after creation",
        fieldPath = ".lockName")
@ValidationRule(value = "self.holderIdentity == oldSelf.holderIdentity", message = "spec.holderIdentity is immutable after creation",
        fieldPath = ".holderIdentity")
@ValidationRule(value = "self.ttlSeconds == oldSelf.ttlSeconds", message = "spec.ttlSeconds is immutable after creation",
        fieldPath = ".ttlSeconds")
@ValidationRule(value = "self.renewal == oldSelf.renewal", message = "spec.renewal is immutable after creation",
        fieldPath = ".renewal")
public record LeaseSpec(
        @JsonPropertyDescription("The ReplicatedStore, in this claim's namespace, that holds the lock.")
        @Required
        StoreRef storeRef,

        @JsonPropertyDescription("Name of the lock. The store namespaces it by this claim's namespace, so equal names"
                + " in two namespaces are two locks.")
        @Required @Size(min = 1, max = 253)
        String lockName,

        @JsonPropertyDescription("Who holds the claim, such as the holder's Pod name; shown to other waiters.")
        @Required @Size(min = 1, max = 253)
        String holderIdentity,

        @JsonPropertyDescription("Seconds the claim survives without a renewal, 1 to 300.")
        @Default("15") @Min(1) @Max(300)
        Integer ttlSeconds,

        @JsonPropertyDescription("Kubernetes: the holder bumps the leasehold.dev/renew annotation and the operator"
                + " keeps the store session alive; Direct: the holder keeps the session alive over the store's gRPC"
                + " API itself.")
        @Default("Kubernetes")
        Renewal renewal) {
}
