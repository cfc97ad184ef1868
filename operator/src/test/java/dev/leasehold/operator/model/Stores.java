package dev.leasehold.operator.model;

import dev.leasehold.operator.store.RaftTiming;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreSpec;
import dev.leasehold.operator.store.Scheduling;
import dev.leasehold.operator.store.Storage;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/** ReplicatedStores for the builders' tests, as the API server would hand them over (defaults applied). */
final class Stores {

    private Stores() {
    }

    static ReplicatedStore store(int replicas) {
        return store(new ReplicatedStoreSpec(replicas, null, new Storage(new Quantity("2Gi"), "fast", null), null, null,
                null, null));
    }

    static ReplicatedStore store(ReplicatedStoreSpec spec) {
        ReplicatedStore store = new ReplicatedStore();
        store.setMetadata(new ObjectMetaBuilder().withName("locks").withNamespace("team-a").withGeneration(1L)
                .withUid("0b0e4f52-1c1e-4a57-9f5a-1d2f8b7f0c11").build());
        store.setSpec(spec);
        return store;
    }

    static ReplicatedStore withRaft(RaftTiming raft) {
        return store(new ReplicatedStoreSpec(3, null, new Storage(new Quantity("1Gi"), null, null), null, raft, null,
                null));
    }

    static ReplicatedStore withScheduling(Scheduling scheduling) {
        return store(new ReplicatedStoreSpec(3, null, new Storage(new Quantity("1Gi"), null, null), null, null,
                scheduling, null));
    }
}
