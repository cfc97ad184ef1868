package dev.leasehold.operator.model;

import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The part of a store's spec the operator applies, and the changes it holds back. Once the StatefulSet exists, its
 * replicas move one member at a time as {@link MembershipPlan} steps them, never straight to {@code spec.replicas}
 * (a StatefulSet scale without a membership change can lose the quorum). An image change needs a rolling restart
 * that moves leadership away first, which the operator does not do yet, so the image stays as it is and the change
 * is reported. What was applied is read from the StatefulSet's annotations, which only the operator writes, so a
 * hand edit does not move it.
 *
 * @param replicas the StatefulSet's replicas, as the operator last set them
 * @param image    the store nodes' image
 * @param held     what the spec asks for that is not applied, with why
 */
public record AppliedSpec(int replicas, String image, List<HeldChange> held) {

    /** A spec change the operator does not apply, with the capability it lacks. */
    public record HeldChange(String reason, String message) {
    }

    /**
     * Decides what to apply.
     *
     * @param store        the store as the user wrote it
     * @param defaultImage the image when the spec names none
     * @param existing     the StatefulSet as it is, if it exists
     */
    public static AppliedSpec decide(ReplicatedStore store, String defaultImage, Optional<StatefulSet> existing) {
        int wantedReplicas = store.getSpec().replicas();
        String wantedImage = Optional.ofNullable(store.getSpec().image()).orElse(defaultImage);
        if (existing.isEmpty()) {
            return new AppliedSpec(wantedReplicas, wantedImage, List.of());
        }
        Map<String, String> annotations = Optional.ofNullable(existing.get().getMetadata().getAnnotations())
                .orElse(Map.of());
        int replicas = Optional.ofNullable(annotations.get(StoreModel.APPLIED_REPLICAS_ANNOTATION))
                .map(Integer::parseInt).orElse(wantedReplicas);
        String image = annotations.getOrDefault(StoreModel.APPLIED_IMAGE_ANNOTATION, wantedImage);
        List<HeldChange> held = new ArrayList<>();
        if (!image.equals(wantedImage)) {
            held.add(new HeldChange("ImageChangeHeld", "the image " + wantedImage + " is not rolled out; the store"
                    + " keeps " + image + ": an image change needs a rolling restart that moves Raft leadership"
                    + " away first, which this operator version cannot do yet"));
        }
        return new AppliedSpec(replicas, image, List.copyOf(held));
    }

    /** The smallest majority of the voters. */
    public int quorum() {
        return replicas / 2 + 1;
    }
}
