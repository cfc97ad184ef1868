package dev.leasehold.operator.store;

import dev.leasehold.operator.Events;
import dev.leasehold.operator.OperatorConfig;
import dev.leasehold.operator.model.AppliedSpec;
import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.model.StoreStatusModel;
import dev.leasehold.operator.store.dependent.ClientServiceDependent;
import dev.leasehold.operator.store.dependent.ConfigMapDependent;
import dev.leasehold.operator.store.dependent.PeerServiceDependent;
import dev.leasehold.operator.store.dependent.PodDisruptionBudgetDependent;
import dev.leasehold.operator.store.dependent.ServiceAccountDependent;
import dev.leasehold.operator.store.dependent.StatefulSetDependent;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reconciles a {@link ReplicatedStore}. The workflow applies the owned objects (server-side apply, one field
 * manager); then, in order:
 * <ol>
 *   <li>decide what of the spec is applied and what is held ({@link AppliedSpec});</li>
 *   <li>label the voters' Pods, which the PodDisruptionBudget counts;</li>
 *   <li>write the status from what was observed ({@link StoreStatusModel});</li>
 *   <li>record events for what changed: created, a change held, a failure.</li>
 * </ol>
 */
@ControllerConfiguration(name = ReplicatedStoreReconciler.NAME, fieldManager = ReplicatedStoreReconciler.FIELD_MANAGER)
@Workflow(dependents = {
        @Dependent(name = "service-account", type = ServiceAccountDependent.class),
        @Dependent(name = "config", type = ConfigMapDependent.class),
        @Dependent(name = "peer-service", type = PeerServiceDependent.class),
        @Dependent(name = "client-service", type = ClientServiceDependent.class),
        @Dependent(name = "statefulset", type = StatefulSetDependent.class,
                dependsOn = {"service-account", "config", "peer-service"}),
        @Dependent(name = "disruption-budget", type = PodDisruptionBudgetDependent.class,
                reconcilePrecondition = PodDisruptionBudgetDependent.MoreThanOneReplica.class)
})
public class ReplicatedStoreReconciler implements Reconciler<ReplicatedStore> {

    public static final String NAME = "replicatedstore";
    public static final String FIELD_MANAGER = "leasehold-operator";
    private static final Pattern ORDINAL = Pattern.compile("-(\\d+)$");

    private final Events events;

    public ReplicatedStoreReconciler(KubernetesClient client) {
        this.events = new Events(client);
    }

    @Override
    public UpdateControl<ReplicatedStore> reconcile(ReplicatedStore store, Context<ReplicatedStore> context) {
        Optional<StatefulSet> statefulSet = context.getSecondaryResource(StatefulSet.class);
        AppliedSpec applied = AppliedSpec.decide(store, OperatorConfig.defaultStoreImage(), statefulSet);
        labelVoters(store, applied, context.getClient());
        ReplicatedStoreStatus status = StoreStatusModel.observe(store, applied, statefulSet, Optional.empty(),
                Instant.now());
        recordEvents(store, status);
        return UpdateControl.patchStatus(withStatus(store, status));
    }

    @Override
    public ErrorStatusUpdateControl<ReplicatedStore> updateErrorStatus(ReplicatedStore store,
                                                                       Context<ReplicatedStore> context,
                                                                       Exception e) {
        Optional<StatefulSet> statefulSet = context.getSecondaryResource(StatefulSet.class);
        AppliedSpec applied = AppliedSpec.decide(store, OperatorConfig.defaultStoreImage(), statefulSet);
        String why = reason(e);
        events.warning(store, "ReconcileFailed", "Reconcile", why);
        ReplicatedStoreStatus status = StoreStatusModel.observe(store, applied, statefulSet, Optional.of(why),
                Instant.now());
        return ErrorStatusUpdateControl.patchStatus(withStatus(store, status));
    }

    /**
     * What went wrong, in the API server's own words where it refused a request (not the client's URL, status dump
     * and stack), each failed dependent named.
     */
    private static String reason(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof AggregatedOperatorException workflow) {
                return workflow.getAggregatedExceptions().entrySet().stream()
                        .map(failed -> failed.getKey() + ": " + reason(failed.getValue()))
                        .collect(Collectors.joining("; "));
            }
            if (cause instanceof KubernetesClientException refused && refused.getStatus() != null
                    && refused.getStatus().getMessage() != null) {
                return refused.getStatus().getMessage();
            }
        }
        return String.valueOf(e.getMessage());
    }

    /**
     * The initial members are the voters: every Pod whose ordinal is below the applied replicas. (Membership
     * changes will take this from the store's own member list.)
     */
    private static void labelVoters(ReplicatedStore store, AppliedSpec applied, KubernetesClient client) {
        var pods = client.pods().inNamespace(store.getMetadata().getNamespace())
                .withLabels(StoreModel.selectorLabels(store)).list().getItems();
        for (Pod pod : pods) {
            Matcher ordinal = ORDINAL.matcher(pod.getMetadata().getName());
            boolean voter = ordinal.find() && Integer.parseInt(ordinal.group(1)) < applied.replicas();
            boolean labelled = "true".equals(pod.getMetadata().getLabels().get(StoreModel.VOTER_LABEL));
            if (voter != labelled) {
                String value = voter ? "\"true\"" : "null";
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"" + StoreModel.VOTER_LABEL + "\":" + value + "}}}");
            }
        }
    }

    private void recordEvents(ReplicatedStore store, ReplicatedStoreStatus status) {
        if (store.getStatus() == null) {
            events.normal(store, "Created", "Create", "created the store's StatefulSet of "
                    + store.getSpec().replicas() + " nodes, its Services, ConfigMap and ServiceAccount");
        }
        Optional<Condition> held = StoreStatusModel.condition(status, StoreStatusModel.CHANGE_HELD)
                .filter(c -> c.getStatus().equals("True"));
        Optional<Condition> heldBefore = StoreStatusModel.condition(store.getStatus(), StoreStatusModel.CHANGE_HELD)
                .filter(c -> c.getStatus().equals("True"));
        if (held.isPresent() && !held.get().getMessage().equals(heldBefore.map(Condition::getMessage).orElse(""))) {
            events.warning(store, held.get().getReason(), "Hold", held.get().getMessage());
        }
    }

    private static ReplicatedStore withStatus(ReplicatedStore store, ReplicatedStoreStatus status) {
        ReplicatedStore patch = new ReplicatedStore();
        patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(store.getMetadata().getName())
                .withNamespace(store.getMetadata().getNamespace())
                .build());
        patch.setStatus(status);
        return patch;
    }
}
