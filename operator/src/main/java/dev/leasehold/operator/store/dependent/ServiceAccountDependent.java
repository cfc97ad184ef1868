package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The store's {@link ServiceAccount}, as {@link StoreModel} describes it. */
public class ServiceAccountDependent extends CRUDKubernetesDependentResource<ServiceAccount, ReplicatedStore> {

    public ServiceAccountDependent() {
        super(ServiceAccount.class);
    }

    @Override
    protected ServiceAccount desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.serviceAccount(store);
    }
}
