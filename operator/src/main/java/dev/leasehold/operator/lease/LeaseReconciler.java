package dev.leasehold.operator.lease;

import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreReconciler;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reconciles a {@link Lease} claim. This operator version defines and validates claims but does not yet back them
 * with the store, so a claim stays {@code Pending} with a {@code Granted=False} condition that says why; it never
 * reports a lock it does not hold.
 */
@ControllerConfiguration(name = LeaseReconciler.NAME, fieldManager = ReplicatedStoreReconciler.FIELD_MANAGER)
public class LeaseReconciler implements Reconciler<Lease> {

    public static final String NAME = "lease";
    public static final String GRANTED = "Granted";
    private static final String BY_STORE = "leases-by-store";

    /** A store that appears, changes or goes away wakes the claims that name it, so their reason stays true. */
    @Override
    public List<EventSource<?, Lease>> prepareEventSources(EventSourceContext<Lease> context) {
        context.getPrimaryCache().addIndexer(BY_STORE, lease -> List.of(storeKey(lease.getMetadata().getNamespace(),
                lease.getSpec().storeRef().name())));
        return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(ReplicatedStore.class,
                        Lease.class)
                .withNamespacesInheritedFromController()
                .withSecondaryToPrimaryMapper(store -> context.getPrimaryCache()
                        .byIndex(BY_STORE, storeKey(store.getMetadata().getNamespace(), store.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context));
    }

    private static String storeKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public UpdateControl<Lease> reconcile(Lease lease, Context<Lease> context) {
        LeaseStatus previous = lease.getStatus();
        if (previous != null && previous.phase() != null && previous.phase() != LeasePhase.Pending) {
            return UpdateControl.noUpdate();
        }
        String namespace = lease.getMetadata().getNamespace();
        String storeName = lease.getSpec().storeRef().name();
        boolean storeExists = context.getSecondaryResource(ReplicatedStore.class).isPresent();
        String message = (storeExists ? "the ReplicatedStore " + storeName + " exists, but this"
                : "the ReplicatedStore " + storeName + " does not exist in namespace " + namespace + "; and this")
                + " operator version does not back Lease claims with the store yet: the claim stays Pending and"
                + " holds no lock";
        String reason = storeExists ? "StoreClaimsNotSupported" : "StoreNotFound";
        Condition granted = new ConditionBuilder()
                .withType(GRANTED)
                .withStatus("False")
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(lease.getMetadata().getGeneration())
                .withLastTransitionTime(Optional.ofNullable(previous).map(LeaseStatus::conditions).orElse(List.of())
                        .stream().filter(c -> c.getType().equals(GRANTED) && c.getStatus().equals("False"))
                        .map(Condition::getLastTransitionTime).findFirst()
                        .orElse(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()))
                .build();
        Lease patch = new Lease();
        patch.setMetadata(new ObjectMetaBuilder().withName(lease.getMetadata().getName()).withNamespace(namespace)
                .build());
        patch.setStatus(new LeaseStatus(lease.getMetadata().getGeneration(), LeasePhase.Pending, null, null, null,
                null, null, null, List.of(granted)));
        return UpdateControl.patchStatus(patch);
    }
}
