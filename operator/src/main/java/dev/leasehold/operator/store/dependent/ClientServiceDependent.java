package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** A {@link Service} of the store, as {@link StoreModel} describes it (one of two: peers and clients). */
public class ClientServiceDependent extends CRUDKubernetesDependentResource<Service, ReplicatedStore> {

    public ClientServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.clientService(store);
    }
}
