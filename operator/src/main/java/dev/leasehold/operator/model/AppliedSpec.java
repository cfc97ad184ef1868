package dev.leasehold.operator.model;

import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Map;
import java.util.Optional;

/**
 * The part of a store's spec the operator applies to the StatefulSet. Once the StatefulSet exists, its replicas
 * move one member at a time as {@link MembershipPlan} steps them, never straight to {@code spec.replicas} (a
 * StatefulSet scale without a membership change can lose the quorum); what was applied is read from the
 * StatefulSet's annotation, which only the operator writes, so a hand edit does not move it. The Pod template
 * (image, resources, Raft timing) follows the spec at once: the StatefulSet's {@code OnDelete} updates leave every
 * restart to {@link RollPlan}.
 *
 * @param replicas the StatefulSet's replicas, as the operator last set them
 * @param image    the store nodes' image
 */
public record AppliedSpec(int replicas, String image) {

    /**
     * Decides what to apply.
     *
     * @param store        the store as the user wrote it
     * @param defaultImage the image when the spec names none
     * @param existing     the StatefulSet as it is, if it exists
     */
    public static AppliedSpec decide(ReplicatedStore store, String defaultImage, Optional<StatefulSet> existing) {
        int wantedReplicas = store.getSpec().replicas();
        String image = Optional.ofNullable(store.getSpec().image()).orElse(defaultImage);
        int replicas = existing.map(s -> s.getMetadata().getAnnotations()).orElse(Map.of())
                .entrySet().stream().filter(e -> e.getKey().equals(StoreModel.APPLIED_REPLICAS_ANNOTATION))
                .map(e -> Integer.parseInt(e.getValue())).findFirst().orElse(wantedReplicas);
        return new AppliedSpec(replicas, image);
    }

    /** The smallest majority of the StatefulSet's Pods. */
    public int quorum() {
        return replicas / 2 + 1;
    }
}
