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

        assertThat(applied).isEqualTo(new AppliedSpec(5, DEFAULT_IMAGE, List.of()));
        assertThat(applied.quorum()).isEqualTo(3);
    }

    @Test
    void anExistingStoreKeepsTheReplicasTheOperatorLastAppliedNotTheSpecs() {
        StatefulSet running = StoreModel.statefulSet(store(3), new AppliedSpec(4, DEFAULT_IMAGE, List.of()));
        running.getSpec().setReplicas(7);

        AppliedSpec applied = AppliedSpec.decide(store(5), DEFAULT_IMAGE, Optional.of(running));

        assertThat(applied.replicas()).as("the membership plan steps it, one member at a time").isEqualTo(4);
        assertThat(applied.held()).isEmpty();
    }

    @Test
    void anImageChangeIsHeldUntilRollingRestartsExist() {
        StatefulSet running = StoreModel.statefulSet(store(3), new AppliedSpec(3, DEFAULT_IMAGE, List.of()));
        ReplicatedStore upgraded = store(new ReplicatedStoreSpec(3, "ghcr.io/leasehold/store-node:2.0",
                store(3).getSpec().storage(), null, null, null));

        AppliedSpec applied = AppliedSpec.decide(upgraded, DEFAULT_IMAGE, Optional.of(running));

        assertThat(applied.image()).isEqualTo(DEFAULT_IMAGE);
        assertThat(applied.held()).singleElement().satisfies(held -> {
            assertThat(held.reason()).isEqualTo("ImageChangeHeld");
            assertThat(held.message()).contains("store-node:2.0").contains("rolling restart");
        });
    }

    @Test
    void anUnchangedSpecHoldsNothing() {
        StatefulSet running = StoreModel.statefulSet(store(3), new AppliedSpec(3, DEFAULT_IMAGE, List.of()));

        assertThat(AppliedSpec.decide(store(3), DEFAULT_IMAGE, Optional.of(running)).held()).isEmpty();
    }
}
