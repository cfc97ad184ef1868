package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.OperatorConfig;
import dev.leasehold.operator.model.AppliedSpec;
import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The store nodes' StatefulSet, with the replicas and image {@link AppliedSpec} lets through. */
public class StatefulSetDependent extends CRUDKubernetesDependentResource<StatefulSet, ReplicatedStore> {

    public StatefulSetDependent() {
        super(StatefulSet.class);
    }

    @Override
    protected StatefulSet desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.statefulSet(store, applied(store, context));
    }

    static AppliedSpec applied(ReplicatedStore store, Context<ReplicatedStore> context) {
        return AppliedSpec.decide(store, OperatorConfig.defaultStoreImage(),
                context.getSecondaryResource(StatefulSet.class));
    }
}
