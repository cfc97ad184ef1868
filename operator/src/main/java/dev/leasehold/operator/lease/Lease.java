package dev.leasehold.operator.lease;

import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A claim by one holder on a named lock of a {@link ReplicatedStore} in the same namespace. Always name it fully in
 * kubectl ({@code lease.leasehold.dev/NAME}, or the short name {@code lhlease}): plain {@code lease} is the built-in
 * {@code coordination.k8s.io} kind.
 *
 * <p>The store is the truth and the status its mirror. The rules below keep the mirror monotonic at the API server,
 * whoever writes it: they sit on the whole object so that removing the status cannot get around them.
 */
@Group(ReplicatedStore.GROUP)
@Version("v1alpha1")
@ShortNames("lhlease")
@Categories("leasehold")
@AdditionalPrinterColumn(name = "Lock", jsonPath = ".spec.lockName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Holder", jsonPath = ".spec.holderIdentity",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Token", jsonPath = ".status.fencingToken",
        type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(oldSelf.status) || !has(oldSelf.status.phase)"
        + " || !(oldSelf.status.phase in ['Expired', 'Released', 'Failed'])"
        + " || (has(self.status) && has(self.status.phase) && self.status.phase == oldSelf.status.phase)",
        message = "status.phase Expired, Released and Failed are final", fieldPath = ".status.phase")
@ValidationRule(value = "!has(oldSelf.status) || !has(oldSelf.status.clusterId)"
        + " || (has(self.status) && has(self.status.clusterId) && self.status.clusterId == oldSelf.status.clusterId)",
        message = "status.clusterId is written once", fieldPath = ".status.clusterId")
@ValidationRule(value = "!has(oldSelf.status) || !has(oldSelf.status.sessionId)"
        + " || (has(self.status) && has(self.status.sessionId) && self.status.sessionId == oldSelf.status.sessionId)",
        message = "status.sessionId is written once", fieldPath = ".status.sessionId")
@ValidationRule(value = "!has(oldSelf.status) || !has(oldSelf.status.fencingToken)"
        + " || (has(self.status) && has(self.status.fencingToken)"
        + " && self.status.fencingToken == oldSelf.status.fencingToken)",
        message = "status.fencingToken is written once", fieldPath = ".status.fencingToken")
@ValidationRule(value = "!has(oldSelf.status) || !has(oldSelf.status.renewAck)"
        + " || (has(self.status) && has(self.status.renewAck) && self.status.renewAck >= oldSelf.status.renewAck)",
        message = "status.renewAck never decreases", fieldPath = ".status.renewAck")
public class Lease extends CustomResource<LeaseSpec, LeaseStatus> implements Namespaced {

    /** The counter annotation a holder bumps in {@code Kubernetes} renewal mode: an increasing integer. */
    public static final String RENEW_ANNOTATION = "leasehold.dev/renew";
    /** The annotation a holder sets before it deletes a claim it is done with, so the lock is released at once. */
    public static final String RELEASED_ANNOTATION = "leasehold.dev/released";
}
