package dev.leasehold.operator.store;

import dev.leasehold.operator.Events;
import dev.leasehold.operator.OperatorConfig;
import dev.leasehold.operator.model.AppliedSpec;
import dev.leasehold.operator.model.BootstrapPlan;
import dev.leasehold.operator.model.MembershipPlan;
import dev.leasehold.operator.model.NodeAnswer;
import dev.leasehold.operator.model.RollPlan;
import dev.leasehold.operator.model.StoreView;
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
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles a {@link ReplicatedStore}. The workflow applies the owned objects (server-side apply, one field
 * manager); then, in order:
 * <ol>
 *   <li>decide what of the spec is applied and what is held ({@link AppliedSpec});</li>
 *   <li>ask every running store Pod for its Raft status; bootstrap a new store once every initial member answers
 *       ({@link BootstrapPlan});</li>
 *   <li>label the voters' Pods, which the PodDisruptionBudget counts;</li>
 *   <li>take the next membership step towards {@code spec.replicas} ({@link MembershipPlan});</li>
 *   <li>when membership is settled, take the next step of a rolling restart ({@link RollPlan});</li>
 *   <li>write the status from what was observed ({@link StoreStatusModel}, {@link StoreView});</li>
 *   <li>record events for what changed: created, bootstrapped, a change held, a failure.</li>
 * </ol>
 * It comes back every few seconds, since the leader and the members' lag change without any Kubernetes event.
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

    private static final Duration REFRESH = Duration.ofSeconds(10);
    private static final Duration REFRESH_UNSETTLED = Duration.ofSeconds(2);

    private final Events events;
    private final StoreNodes nodes;

    public ReplicatedStoreReconciler(KubernetesClient client, StoreNodes nodes) {
        this.events = new Events(client);
        this.nodes = nodes;
    }

    @Override
    public UpdateControl<ReplicatedStore> reconcile(ReplicatedStore store, Context<ReplicatedStore> context) {
        Optional<StatefulSet> statefulSet = context.getSecondaryResource(StatefulSet.class);
        AppliedSpec applied = AppliedSpec.decide(store, OperatorConfig.defaultStoreImage(), statefulSet);
        List<Pod> pods = context.getClient().pods().inNamespace(store.getMetadata().getNamespace())
                .withLabels(StoreModel.selectorLabels(store)).list().getItems();
        List<NodeAnswer> answers = nodes.status(pods, pod -> StoreModel.memberAddress(store,
                pod.getMetadata().getName()));
        StoreView view = view(store, applied, pods, answers);
        labelVoters(view, applied, pods, context.getClient());
        MembershipPlan.Step step = changeMembership(store, applied, view, answers, context.getClient());
        RollPlan.Step roll = step instanceof MembershipPlan.Steady && view.clusterId().isPresent()
                && statefulSet.isPresent() ? roll(store, statefulSet.get(), pods, view, context.getClient())
                : new RollPlan.Done();
        ReplicatedStoreStatus status = StoreStatusModel.observe(store, applied, statefulSet, Optional.empty(), view,
                step, roll, Instant.now());
        recordEvents(store, status, view);
        boolean settled = view.problem().isEmpty() && step instanceof MembershipPlan.Steady
                && roll instanceof RollPlan.Done && "Available".equals(status.phase());
        return UpdateControl.patchStatus(withStatus(store, status))
                .rescheduleAfter(settled ? REFRESH : REFRESH_UNSETTLED);
    }

    /**
     * What the store's nodes say. A store whose status has no cluster id yet is bootstrapped here once every
     * initial member answers; one that has an id is never bootstrapped again, whatever its nodes say.
     */
    private StoreView view(ReplicatedStore store, AppliedSpec applied, List<Pod> pods, List<NodeAnswer> answers) {
        String recorded = store.getStatus() == null ? null : store.getStatus().clusterId();
        if (recorded != null) {
            return StoreView.of(recorded, answers);
        }
        BootstrapPlan.Decision decision = BootstrapPlan.decide(store, applied.replicas(), answers);
        if (decision instanceof BootstrapPlan.Bootstrapped done) {
            return StoreView.of(done.clusterId(), answers);
        } else if (decision instanceof BootstrapPlan.Wait wait) {
            return StoreView.waiting(wait.why());
        } else if (decision instanceof BootstrapPlan.Refuse refuse) {
            return StoreView.refused(refuse.why());
        }
        return bootstrap(store, pods, (BootstrapPlan.Call) decision);
    }

    /**
     * Takes the next step of {@link MembershipPlan} towards {@code spec.replicas}, if the store is bootstrapped;
     * answers the step, or a {@code Wait} saying why it did not take.
     */
    private MembershipPlan.Step changeMembership(ReplicatedStore store, AppliedSpec applied, StoreView view,
                                                 List<NodeAnswer> answers, KubernetesClient client) {
        if (view.clusterId().isEmpty()) {
            return applied.replicas() == store.getSpec().replicas() ? new MembershipPlan.Steady()
                    : new MembershipPlan.Wait("scaling waits until the store is bootstrapped");
        }
        MembershipPlan.Step step = MembershipPlan.decide(store, applied.replicas(), view, answers);
        String leader = view.leader().map(pod -> StoreModel.memberAddress(store, pod)).orElse(null);
        try {
            if (step instanceof MembershipPlan.Resize resize) {
                client.apps().statefulSets().inNamespace(store.getMetadata().getNamespace())
                        .withName(store.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                                + StoreModel.APPLIED_REPLICAS_ANNOTATION + "\":\"" + resize.replicas() + "\"}},"
                                + "\"spec\":{\"replicas\":" + resize.replicas() + "}}");
                events.normal(store, "Scaling", "Scale", "StatefulSet to " + resize.replicas() + " Pods: "
                        + resize.why());
            } else if (step instanceof MembershipPlan.AddLearner add) {
                nodes.addLearner(leader, add.id(), add.address());
                events.normal(store, "MemberAdded", "AddLearner", "added " + add.pod() + " (Raft id " + add.id()
                        + ") as a learner; it is promoted once it has caught up");
            } else if (step instanceof MembershipPlan.Promote promote) {
                nodes.promote(leader, promote.id());
                events.normal(store, "MemberPromoted", "Promote", "promoted " + promote.pod() + " (Raft id "
                        + promote.id() + ") to voter");
            } else if (step instanceof MembershipPlan.Transfer transfer) {
                nodes.transferLeadership(leader, transfer.target());
                events.normal(store, "LeadershipMoved", "TransferLeadership", "moved leadership from "
                        + transfer.fromPod() + " to " + transfer.targetPod() + " before removing "
                        + transfer.fromPod());
            } else if (step instanceof MembershipPlan.Remove remove) {
                nodes.remove(leader, remove.id());
                events.normal(store, "MemberRemoved", "RemoveMember", "removed " + remove.pod() + " (Raft id "
                        + remove.id() + "): " + remove.why());
            }
        } catch (StatusRuntimeException e) {
            return new MembershipPlan.Wait(MembershipPlan.describe(step) + " did not take yet: " + StoreNodes.describe(e.getStatus()));
        }
        return step;
    }

    private StoreView bootstrap(ReplicatedStore store, List<Pod> pods, BootstrapPlan.Call call) {
        for (NodeAnswer target : call.targets()) {
            try {
                nodes.bootstrap(target.address(), call.request());
            } catch (StatusRuntimeException e) {
                String why = "Pod " + target.pod() + " did not take the bootstrap: " + StoreNodes.describe(e.getStatus());
                return e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                        || e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
                        ? StoreView.refused(why) : StoreView.waiting(why + "; retrying");
            }
        }
        events.normal(store, "Bootstrapped", "Bootstrap", "bootstrapped store cluster " + call.request().getClusterId()
                + " with members " + call.request().getMembersList().stream()
                .map(m -> m.getId() + "=" + m.getAddress()).collect(Collectors.joining(", ")));
        return StoreView.of(call.request().getClusterId(), nodes.status(pods,
                pod -> StoreModel.memberAddress(store, pod.getMetadata().getName())));
    }

    /** Takes the next step of a rolling restart ({@link RollPlan}); answers it, or a {@code Wait} saying why not. */
    private RollPlan.Step roll(ReplicatedStore store, StatefulSet statefulSet, List<Pod> pods, StoreView view,
                               KubernetesClient client) {
        RollPlan.Step step = RollPlan.decide(store, statefulSet, pods, view, Instant.now());
        try {
            if (step instanceof RollPlan.Restart restart) {
                client.pods().inNamespace(store.getMetadata().getNamespace()).withName(restart.pod()).delete();
                events.normal(store, "MemberRestarted", "RollingUpdate", RollPlan.describe(step));
            } else if (step instanceof RollPlan.Transfer transfer) {
                nodes.transferLeadership(StoreModel.memberAddress(store, transfer.fromPod()), transfer.target());
                events.normal(store, "LeadershipMoved", "RollingUpdate", RollPlan.describe(step));
            } else if (step instanceof RollPlan.Stalled stalled && !StoreStatusModel.condition(store.getStatus(),
                    StoreStatusModel.DEGRADED).map(Condition::getReason).orElse("").equals("RollStalled")) {
                events.warning(store, "RollStalled", "RollingUpdate", stalled.why());
            }
        } catch (StatusRuntimeException e) {
            return new RollPlan.Wait(RollPlan.describe(step) + " did not take yet: "
                    + StoreNodes.describe(e.getStatus()));
        }
        return step;
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
                StoreView.UNKNOWN, new MembershipPlan.Steady(), new RollPlan.Done(), Instant.now());
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
     * Labels the voters' Pods, which the PodDisruptionBudget counts: the voters in the store's own member list, or,
     * before it has one, the initial members (every Pod whose ordinal is below the applied replicas).
     */
    private static void labelVoters(StoreView view, AppliedSpec applied, List<Pod> pods, KubernetesClient client) {
        Set<String> voters = view.members().stream().filter(m -> "voter".equals(m.membership()))
                .map(Member::name).collect(Collectors.toSet());
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            boolean voter = view.members().isEmpty() ? StoreModel.ordinal(name) >= 0
                    && StoreModel.ordinal(name) < applied.replicas() : voters.contains(name);
            boolean labelled = "true".equals(pod.getMetadata().getLabels().get(StoreModel.VOTER_LABEL));
            if (voter != labelled) {
                String value = voter ? "\"true\"" : "null";
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(name)
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"" + StoreModel.VOTER_LABEL + "\":" + value + "}}}");
            }
        }
    }

    private void recordEvents(ReplicatedStore store, ReplicatedStoreStatus status, StoreView view) {
        Optional<String> refusedBefore = StoreStatusModel.condition(store.getStatus(), StoreStatusModel.DEGRADED)
                .filter(c -> c.getReason().equals("BootstrapRefused")).map(Condition::getMessage);
        if (view.refused() && !view.problem().equals(refusedBefore)) {
            events.warning(store, "BootstrapRefused", "Bootstrap", view.problem().orElseThrow());
        }
        Optional<Condition> available = StoreStatusModel.condition(status, StoreStatusModel.AVAILABLE);
        boolean lostBefore = StoreStatusModel.condition(store.getStatus(), StoreStatusModel.AVAILABLE)
                .filter(c -> c.getReason().equals(StoreStatusModel.QUORUM_LOST)).isPresent();
        if (!lostBefore && available.filter(c -> c.getReason().equals(StoreStatusModel.QUORUM_LOST)).isPresent()) {
            events.warning(store, StoreStatusModel.QUORUM_LOST, "Observe", available.get().getMessage());
        }
        if (store.getStatus() == null) {
            events.normal(store, "Created", "Create", "created the store's StatefulSet of "
                    + store.getSpec().replicas() + " nodes, its Services, ConfigMap and ServiceAccount");
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
