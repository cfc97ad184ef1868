package dev.leasehold.operator.model;

import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The next step of a rolling restart (DESIGN.md: upgrades restart one member at a time after moving leadership
 * away). The StatefulSet updates {@code OnDelete}, so a Pod runs its old revision until the operator deletes it:
 * followers first, highest ordinal first, the leader last after a leadership transfer; each restarted member healthy
 * and caught up before the next. A restarted member that is not back within {@code spec.rollout.memberTimeoutSeconds}
 * stops the roll ({@link Stalled}) and no other Pod is touched. A member that is down anyway and runs the old
 * revision may be restarted, since that loses nothing: this is how fixing a bad image recovers a stalled roll.
 *
 * <p>A pure function of the StatefulSet, the Pods and what the nodes answered.
 */
public final class RollPlan {

    /** A member may lag this many entries behind the leader and still count as caught up. */
    static final long CAUGHT_UP_ENTRIES = 1_000;

    /** What to do this round. */
    public sealed interface Step {
    }

    /** Every Pod runs the StatefulSet's current revision. */
    public record Done() implements Step {
    }

    /** Delete (restart) Pod {@code pod}; the StatefulSet recreates it from the current revision. */
    public record Restart(String pod, String why) implements Step {
    }

    /** Hand leadership from {@code fromPod} to voter {@code target} (Pod {@code targetPod}) before it restarts. */
    public record Transfer(String fromPod, long target, String targetPod) implements Step {
    }

    /** Nothing to do until the store moves on. */
    public record Wait(String why) implements Step {
    }

    /** A restarted member did not come back in time: the roll stops, reported as Degraded. */
    public record Stalled(String why) implements Step {
    }

    private RollPlan() {
    }

    /**
     * @param store       the store, bootstrapped, whose membership matches its Pods (no scaling in progress)
     * @param statefulSet the StatefulSet, with the status the controller wrote
     * @param pods        the store's Pods
     * @param view        what the nodes said
     * @param now         the time, for the member timeout
     */
    public static Step decide(ReplicatedStore store, StatefulSet statefulSet, List<Pod> pods, StoreView view,
                              Instant now) {
        String target = statefulSet.getStatus() == null ? null : statefulSet.getStatus().getUpdateRevision();
        if (target == null) {
            return new Done();
        }
        Long seen = statefulSet.getStatus().getObservedGeneration();
        if (seen == null || seen < statefulSet.getMetadata().getGeneration()) {
            return new Wait("the StatefulSet controller has not yet seen the latest Pod template");
        }
        List<Pod> outdated = pods.stream().filter(p -> !target.equals(revision(p)))
                .sorted(Comparator.comparingInt((Pod p) -> StoreModel.ordinal(p.getMetadata().getName())).reversed())
                .toList();
        if (outdated.isEmpty() && pods.size() >= statefulSet.getSpec().getReplicas()) {
            return new Done();
        }
        int ofPods = statefulSet.getSpec().getReplicas();
        String progress = (ofPods - outdated.size()) + " of " + ofPods + " members run revision " + target;
        Optional<Pod> stopping = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() != null)
                .findFirst();
        if (stopping.isPresent()) {
            return new Wait(progress + "; Pod " + stopping.get().getMetadata().getName() + " is stopping");
        }
        if (pods.size() < ofPods) {
            return new Wait(progress + "; waiting for the StatefulSet to recreate a Pod");
        }
        Map<String, Member> members = view.members().stream()
                .collect(Collectors.toMap(Member::name, Function.identity(), (a, b) -> a));
        Duration timeout = Duration.ofSeconds(store.getSpec().rolloutOrDefaults().memberTimeoutSecondsOrDefault());
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            Optional<String> trouble = trouble(pod, members.get(name));
            if (trouble.isEmpty() || !target.equals(revision(pod))) {
                continue;
            }
            Duration since = Duration.between(Instant.parse(pod.getMetadata().getCreationTimestamp()), now);
            if (since.compareTo(timeout) > 0) {
                return new Stalled("the roll to revision " + target + " stopped: restarted member " + name
                        + " is not back after " + since.toSeconds() + " s (" + trouble.get() + "); no other Pod is"
                        + " touched until it is");
            }
            return new Wait(progress + "; waiting for restarted member " + name + " to be back (" + trouble.get()
                    + ")");
        }
        List<Pod> down = outdated.stream().filter(p -> trouble(p, members.get(p.getMetadata().getName())).isPresent())
                .toList();
        if (!down.isEmpty()) {
            Pod pod = down.get(0);
            return new Restart(pod.getMetadata().getName(), "it is down on the old revision ("
                    + trouble(pod, members.get(pod.getMetadata().getName())).orElseThrow()
                    + "), so restarting it loses nothing");
        }
        String leader = view.leader().orElse(null);
        if (leader == null) {
            return new Wait(progress + "; no member leads");
        }
        Optional<Pod> follower = outdated.stream().filter(p -> !p.getMetadata().getName().equals(leader)).findFirst();
        if (follower.isPresent()) {
            return new Restart(follower.get().getMetadata().getName(), progress + "; followers first");
        }
        Optional<Member> successor = view.members().stream()
                .filter(m -> !m.name().equals(leader) && "voter".equals(m.membership()))
                .min(Comparator.comparingLong(m -> m.lag() == null ? Long.MAX_VALUE : m.lag()));
        return successor.<Step>map(m -> new Transfer(leader, m.raftId(), m.name()))
                .orElseGet(() -> new Restart(leader, progress + "; the only member"));
    }

    /** Why a Pod's member is not healthy and caught up; empty when it is. */
    private static Optional<String> trouble(Pod pod, Member member) {
        boolean ready = pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if (!ready) {
            return Optional.of("Pod not Ready" + Optional.ofNullable(pod.getStatus()).map(s -> s.getConditions())
                    .orElse(List.of()).stream().filter(c -> "Ready".equals(c.getType()))
                    .map(PodCondition::getMessage).filter(m -> m != null && !m.isBlank()).map(m -> ": " + m)
                    .findFirst().orElse(""));
        }
        if (member == null) {
            return Optional.of("not a member");
        }
        if (!StoreView.HEALTHY.equals(member.health())) {
            return Optional.of(member.health());
        }
        if (!"leader".equals(member.role()) && (member.lag() == null || member.lag() > CAUGHT_UP_ENTRIES)) {
            return Optional.of("catching up" + (member.lag() == null ? "" : ", " + member.lag() + " entries behind"));
        }
        return Optional.empty();
    }

    private static String revision(Pod pod) {
        return pod.getMetadata().getLabels() == null ? null
                : pod.getMetadata().getLabels().get("controller-revision-hash");
    }

    /** The step in a few words, for the status and the events. */
    public static String describe(Step step) {
        if (step instanceof Restart restart) {
            return "restarting " + restart.pod() + ": " + restart.why();
        } else if (step instanceof Transfer transfer) {
            return "moving leadership from " + transfer.fromPod() + " to " + transfer.targetPod()
                    + " before restarting it";
        } else if (step instanceof Wait wait) {
            return wait.why();
        } else if (step instanceof Stalled stalled) {
            return stalled.why();
        }
        return "every member runs the current revision";
    }
}
