package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * The store's node configuration. JOSDK keeps ConfigMaps and Secrets on plain updates by default (every other object
 * the store owns is written with server-side apply); the default stands, since the operator is this ConfigMap's only
 * writer and an update of a field someone else changed puts it back either way.
 */
public class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, ReplicatedStore> {

    public ConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.configMap(store);
    }
}
