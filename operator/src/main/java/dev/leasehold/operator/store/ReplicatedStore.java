package dev.leasehold.operator.store;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A Raft-replicated Leasehold store: a StatefulSet of store nodes that the operator keeps running, with the
 * membership, upgrades and status of the cluster they form. Short name {@code rstore} ({@code rs} is kubectl's name
 * for ReplicaSets); {@code kubectl get leasehold} lists it with the claims.
 */
@Group(ReplicatedStore.GROUP)
@Version("v1alpha1")
@ShortNames("rstore")
@Categories("leasehold")
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Leader", jsonPath = ".status.leader", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ReplicatedStore extends CustomResource<ReplicatedStoreSpec, ReplicatedStoreStatus> implements Namespaced {

    public static final String GROUP = "leasehold.dev";
}
