package dev.leasehold.operator.lease;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * The store's view of a claim, mirrored by the operator; see the rules on {@link Lease} that keep it monotonic.
 *
 * @param observedGeneration the spec generation this status describes
 * @param phase              where the claim stands
 * @param clusterId          the store cluster that granted the session; written once
 * @param sessionId          the store session of the claim; written once
 * @param fencingToken       the lock's fencing token for this claim; written once
 * @param queuePosition      place in the lock's wait queue while Waiting (1 = next)
 * @param acquireTime        when the lock was granted
 * @param renewAck           the last renew counter value whose keep-alive the store acknowledged; never decreases
 * @param conditions         details, each with a reason and message
 */
public record LeaseStatus(
        @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
        Long observedGeneration,

        @JsonPropertyDescription("Pending, Waiting, Held, Expired, Released or Failed; the last three are final.")
        LeasePhase phase,

        @JsonPropertyDescription("Id of the store cluster that granted the session. Written once.")
        String clusterId,

        @JsonPropertyDescription("Id of the claim's store session. Written once.")
        Long sessionId,

        @JsonPropertyDescription("Fencing token of the grant: pass it with every write the lock protects. Written"
                + " once.")
        Long fencingToken,

        @JsonPropertyDescription("Place in the lock's wait queue while Waiting; 1 is next.")
        Integer queuePosition,

        @JsonPropertyDescription("When the lock was granted (RFC 3339).")
        String acquireTime,

        @JsonPropertyDescription("The last leasehold.dev/renew value whose keep-alive the store acknowledged. Never"
                + " decreases.")
        Long renewAck,

        @JsonPropertyDescription("Details of the phase, each with a reason and message.")
        List<Condition> conditions) {
}
