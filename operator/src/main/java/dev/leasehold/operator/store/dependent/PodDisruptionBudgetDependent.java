package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Keeps a quorum of voters through drains; see {@link StoreModel#podDisruptionBudget}. */
public class PodDisruptionBudgetDependent extends CRUDKubernetesDependentResource<PodDisruptionBudget, ReplicatedStore> {

    public PodDisruptionBudgetDependent() {
        super(PodDisruptionBudget.class);
    }

    @Override
    protected PodDisruptionBudget desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.podDisruptionBudget(store, StatefulSetDependent.applied(store, context));
    }

    /** A one-node store gets none (and loses the one it had): it could only ever block drains. */
    public static class MoreThanOneReplica implements Condition<PodDisruptionBudget, ReplicatedStore> {
        @Override
        public boolean isMet(DependentResource<PodDisruptionBudget, ReplicatedStore> dependent, ReplicatedStore store,
                             Context<ReplicatedStore> context) {
            return StatefulSetDependent.applied(store, context).replicas() > 1;
        }
    }
}
