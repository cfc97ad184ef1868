package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AppliedSpecTest {

    private static final String DEFAULT_IMAGE = "ghcr.io/leasehold/store-node:1.0";

    @Test
    void aNewStoreGetsTheSpecAsWrittenAndTheDefaultImage() {
        AppliedSpec applied = AppliedSpec.decide(store(5), DEFAULT_IMAGE, Optional.empty());

        assertThat(applied).isEqualTo(new AppliedSpec(5, DEFAULT_IMAGE));
        assertThat(applied.quorum()).isEqualTo(3);
    }

    @Test
    void anExistingStoreKeepsTheReplicasTheOperatorLastAppliedNotTheSpecs() {
        StatefulSet running = StoreModel.statefulSet(store(3), new AppliedSpec(4, DEFAULT_IMAGE));
        running.getSpec().setReplicas(7);

        AppliedSpec applied = AppliedSpec.decide(store(5), DEFAULT_IMAGE, Optional.of(running));

        assertThat(applied.replicas()).as("the membership plan steps it, one member at a time").isEqualTo(4);
    }

    @Test
    void anImageChangeReachesThePodTemplateAtOnceTheRollIsPacedByTheOperator() {
        StatefulSet running = StoreModel.statefulSet(store(3), new AppliedSpec(3, DEFAULT_IMAGE));
        ReplicatedStore upgraded = store(new ReplicatedStoreSpec(3, "ghcr.io/leasehold/store-node:2.0",
                store(3).getSpec().storage(), null, null, null, null));

        AppliedSpec applied = AppliedSpec.decide(upgraded, DEFAULT_IMAGE, Optional.of(running));

        assertThat(applied.image()).isEqualTo("ghcr.io/leasehold/store-node:2.0");
        assertThat(StoreModel.statefulSet(upgraded, applied).getSpec().getUpdateStrategy().getType())
                .isEqualTo("OnDelete");
    }
}
