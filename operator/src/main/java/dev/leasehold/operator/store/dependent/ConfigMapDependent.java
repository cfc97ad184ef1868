package dev.leasehold.operator.store.dependent;

import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.BooleanWithUndefined;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/**
 * The store's node configuration. JOSDK keeps ConfigMaps and Secrets on plain updates by default, which the API
 * server records under the client's generic field manager; this one is server-side applied like every other object
 * the store owns, so that all of them are under the operator's one field manager.
 */
@KubernetesDependent(useSSA = BooleanWithUndefined.TRUE)
public class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, ReplicatedStore> {

    public ConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(ReplicatedStore store, Context<ReplicatedStore> context) {
        return StoreModel.configMap(store);
    }
}
