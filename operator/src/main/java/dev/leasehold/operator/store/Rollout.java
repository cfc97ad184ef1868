package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * How a change of the Pod template (image, resources, Raft timing) is rolled out: one member at a time, followers
 * first, the leader last after a leadership transfer.
 *
 * @param memberTimeoutSeconds how long a restarted member may take to be healthy and caught up again before the roll
 *                             stops with {@code Degraded}
 */
public record Rollout(
        @JsonPropertyDescription("Seconds a restarted member may take to be healthy and caught up again; after that"
                + " the roll stops (Degraded, reason RollStalled) and touches no other Pod until it is.")
        @Default("300") @Min(10) @Max(86400)
        Integer memberTimeoutSeconds) {

    static final Rollout DEFAULTS = new Rollout(300);

    /** The member timeout, with the default when not given. */
    public int memberTimeoutSecondsOrDefault() {
        return memberTimeoutSeconds == null ? DEFAULTS.memberTimeoutSeconds : memberTimeoutSeconds;
    }
}
