package dev.leasehold.operator.model;

import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A store's status from what the operator observed, as a pure function. It claims only what it saw: readiness is
 * the nodes' own gRPC health check (a node is ready once it has a leader and has applied what it knew was committed),
 * so "ready" members are members that answer; {@code leader}, {@code clusterId} and {@code members} are what the nodes
 * said ({@link StoreView}). A store is available only once it is bootstrapped.
 */
public final class StoreStatusModel {

    public static final String AVAILABLE = "Available";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";
    public static final String QUORUM_LOST = "QuorumLost";
    /** The health of a member whose node answered (with or without a leader). */
    private static final Set<String> ANSWERING = Set.of(StoreView.HEALTHY, StoreView.NO_LEADER);

    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

    private StoreStatusModel() {
    }

    /**
     * @param store       the store, with the status it had
     * @param applied     what the operator applied and what it holds
     * @param statefulSet the StatefulSet as the informer last saw it
     * @param failure     why the last reconciliation failed, if it did
     * @param view        what the store's nodes said, or {@link StoreView#UNKNOWN} when they were not asked
     * @param membership  the membership step taken this round ({@link MembershipPlan})
     * @param roll        the rolling-restart step taken this round ({@link RollPlan})
     * @param now         the time for conditions that change now
     */
    public static ReplicatedStoreStatus observe(ReplicatedStore store, AppliedSpec applied,
                                                Optional<StatefulSet> statefulSet, Optional<String> failure,
                                                StoreView view, MembershipPlan.Step membership,
                                                RollPlan.Step roll, Instant now) {
        Optional<ReplicatedStoreStatus> previous = Optional.ofNullable(store.getStatus());
        long generation = Optional.ofNullable(store.getMetadata().getGeneration()).orElse(0L);
        StatefulSetStatus set = statefulSet.map(StatefulSet::getStatus).orElse(null);
        int pods = set == null || set.getReplicas() == null ? 0 : set.getReplicas();
        int ready = set == null || set.getReadyReplicas() == null ? 0 : set.getReadyReplicas();
        int wanted = applied.replicas();
        int quorum = applied.quorum();

        Optional<String> clusterId = view.clusterId()
                .or(() -> previous.map(ReplicatedStoreStatus::clusterId));
        boolean notBootstrapped = clusterId.isEmpty() && view.problem().isPresent();
        List<Condition> conditions = new ArrayList<>();
        if (notBootstrapped) {
            conditions.add(condition(AVAILABLE, "False", view.refused() ? "BootstrapRefused" : "NotBootstrapped",
                    view.problem().get()));
        } else if (quorumLost(view).isPresent()) {
            conditions.add(condition(AVAILABLE, "False", QUORUM_LOST, quorumLost(view).get()));
        } else if (ready >= quorum) {
            conditions.add(condition(AVAILABLE, "True", "QuorumReady", ready + " of " + wanted
                    + " store members are ready, a quorum of " + quorum + " answers"
                    + view.leader().map(l -> "; " + l + " leads").orElse("")));
        } else {
            conditions.add(condition(AVAILABLE, "False", "NoQuorum", ready + " of " + wanted
                    + " store members answer their readiness check; a quorum of " + quorum + " is needed"
                    + (statefulSet.isEmpty() ? " (the StatefulSet does not exist yet)" : "")));
        }
        if (!(membership instanceof MembershipPlan.Steady) && !(membership instanceof MembershipPlan.Blocked)) {
            conditions.add(condition(PROGRESSING, "True", "Scaling", "to " + store.getSpec().replicas()
                    + " members, one at a time: " + MembershipPlan.describe(membership)));
        } else if (!(roll instanceof RollPlan.Done) && !(roll instanceof RollPlan.Stalled)) {
            conditions.add(condition(PROGRESSING, "True", "RollingUpdate", "one member at a time: "
                    + RollPlan.describe(roll)));
        } else if (statefulSet.isEmpty() || pods != wanted || ready != wanted) {
            conditions.add(condition(PROGRESSING, "True", "MembersStarting", "the StatefulSet has " + pods + " of "
                    + wanted + " Pods, " + ready + " ready"));
        } else {
            conditions.add(condition(PROGRESSING, "False", "AllMembersReady", "all " + wanted
                    + " members are ready"));
        }
        if (failure.isPresent()) {
            conditions.add(condition(DEGRADED, "True", "ReconcileFailed", failure.get()));
        } else if (view.refused()) {
            conditions.add(condition(DEGRADED, "True", "BootstrapRefused", view.problem().orElseThrow()));
        } else if (membership instanceof MembershipPlan.Blocked blocked) {
            conditions.add(condition(DEGRADED, "True", "ScaleBlocked", blocked.why()));
        } else if (roll instanceof RollPlan.Stalled stalled) {
            conditions.add(condition(DEGRADED, "True", "RollStalled", stalled.why()));
        } else if (ready >= quorum && ready < wanted) {
            conditions.add(condition(DEGRADED, "True", "MembersNotReady", (wanted - ready) + " of " + wanted
                    + " members are not ready; the store works while a quorum answers"));
        } else {
            conditions.add(condition(DEGRADED, "False", ready >= quorum ? "AllMembersReady" : "NotAvailable",
                    ready >= quorum ? "all members are ready" : "see the Available condition"));
        }

        String phase;
        if (ready == wanted && !notBootstrapped) {
            phase = "Available";
        } else if (ready >= quorum) {
            phase = "Degraded";
        } else if (previous.map(ReplicatedStoreStatus::phase).filter(p -> !p.equals("Pending")).isPresent()) {
            phase = "Unavailable";
        } else {
            phase = "Pending";
        }
        return new ReplicatedStoreStatus(
                generation,
                phase,
                keepTransitionTimes(conditions, previous.map(ReplicatedStoreStatus::conditions).orElse(List.of()),
                        generation, now),
                ready,
                view == StoreView.UNKNOWN ? previous.map(ReplicatedStoreStatus::leader).orElse(null)
                        : view.leader().orElse(null),
                clusterId.orElse(null),
                view == StoreView.UNKNOWN ? previous.map(ReplicatedStoreStatus::members).orElse(null)
                        : view.members().isEmpty() ? null : view.members(),
                statefulSet.map(s -> StoreModel.storeContainer(s).getImage()).orElse(applied.image()));
    }

    /**
     * Why the store has lost its quorum, naming the voters that answer, when it has: it is bootstrapped, no member
     * leads, and fewer than a majority of the voters answer. (With a majority answering and no leader, an election
     * is under way.) The operator never repairs this by deleting data or forcing a new cluster.
     */
    static Optional<String> quorumLost(StoreView view) {
        if (view == StoreView.UNKNOWN || view.clusterId().isEmpty() || view.leader().isPresent()) {
            return Optional.empty();
        }
        List<Member> voters = view.members().stream().filter(m -> "voter".equals(m.membership())).toList();
        List<String> answering = voters.stream().filter(m -> ANSWERING.contains(m.health())).map(Member::name)
                .toList();
        int majority = voters.size() / 2 + 1;
        if (!voters.isEmpty() && answering.size() >= majority) {
            return Optional.empty();
        }
        return Optional.of(voters.isEmpty() ? "no store node answers, so no member can lead"
                : "no member leads and only " + answering.size() + " of " + voters.size() + " voters answer"
                + (answering.isEmpty() ? "" : " (" + String.join(", ", answering) + ")") + "; a majority of "
                + majority + " is needed. The operator does not delete data or force a new cluster: bring the"
                + " missing members back, or see the README, \"Recovering a store\"");
    }

    private static Condition condition(String type, String status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .build();
    }

    /** A condition's transition time changes only when its status does. */
    private static List<Condition> keepTransitionTimes(List<Condition> conditions, List<Condition> previous,
                                                       long generation, Instant now) {
        String nowText = RFC3339.format(now.truncatedTo(ChronoUnit.SECONDS));
        return conditions.stream().map(c -> {
            String since = previous.stream()
                    .filter(p -> p.getType().equals(c.getType()) && p.getStatus().equals(c.getStatus()))
                    .map(Condition::getLastTransitionTime)
                    .findFirst()
                    .orElse(nowText);
            return new ConditionBuilder(c).withLastTransitionTime(since).withObservedGeneration(generation).build();
        }).toList();
    }

    /** The condition of a type, if the status has it. */
    public static Optional<Condition> condition(ReplicatedStoreStatus status, String type) {
        return Optional.ofNullable(status).map(ReplicatedStoreStatus::conditions).orElse(List.of()).stream()
                .filter(c -> c.getType().equals(type))
                .findFirst();
    }
}
