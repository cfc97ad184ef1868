package dev.leasehold.operator.model;

import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The next step that brings a bootstrapped store's Raft membership and StatefulSet to {@code spec.replicas}, one
 * server at a time and in the safe order (DESIGN.md): to grow, the StatefulSet gets one more Pod, which is added as
 * a learner once it answers and promoted once the leader finds it caught up; to shrink, leadership leaves the
 * member with the highest ordinal, the member is removed from Raft, and only then does the StatefulSet lose its
 * Pod. A Pod that answers with an id other than its member's is a new incarnation (it lost its data): the old one is
 * removed and the new one added as a learner. Ids are never reused: a Pod that runs an id the store has removed is
 * reported, not added.
 *
 * <p>A pure function of what the nodes answered this round; the reconciler carries the step out and asks again.
 */
public final class MembershipPlan {

    /** What to do this round. */
    public sealed interface Step {
    }

    /** Membership and StatefulSet match the spec. */
    public record Steady() implements Step {
    }

    /** Set the StatefulSet's replicas. */
    public record Resize(int replicas, String why) implements Step {
    }

    /** Add {@code id}, the node of Pod {@code pod} at {@code address}, as a learner. */
    public record AddLearner(String pod, long id, String address) implements Step {
    }

    /** Make learner {@code id} (Pod {@code pod}) a voter; the leader refuses while it lags. */
    public record Promote(String pod, long id) implements Step {
    }

    /** Hand leadership from the member that is to go to voter {@code target} (Pod {@code targetPod}). */
    public record Transfer(String fromPod, long target, String targetPod) implements Step {
    }

    /** Remove member {@code id} (of Pod {@code pod}) from Raft. */
    public record Remove(String pod, long id, String why) implements Step {
    }

    /** Nothing to do until the store moves on (a Pod starting, a learner catching up). */
    public record Wait(String why) implements Step {
    }

    /** The change cannot go on without a person; reported as Degraded. */
    public record Blocked(String why) implements Step {
    }

    private MembershipPlan() {
    }

    /**
     * @param store      the store, bootstrapped
     * @param podsInSet  the StatefulSet's replicas as the operator last applied them
     * @param view       what the nodes said, with a leader
     * @param answers    every Pod's own answer this round
     */
    public static Step decide(ReplicatedStore store, int podsInSet, StoreView view, List<NodeAnswer> answers) {
        int wanted = store.getSpec().replicas();
        String clusterId = view.clusterId().orElseThrow();
        if (view.leader().isEmpty()) {
            return new Wait("no member leads; membership changes wait for a leader");
        }
        String leader = view.leader().get();
        Map<String, NodeAnswer> byPod = answers.stream()
                .collect(Collectors.toMap(NodeAnswer::pod, Function.identity(), (a, b) -> a));
        Set<Long> removed = Optional.ofNullable(byPod.get(leader)).flatMap(NodeAnswer::status)
                .map(s -> Set.copyOf(s.getRemovedList())).orElse(Set.of());
        List<Member> members = view.members();

        for (Member m : members) {
            Optional<StatusResponse> own = Optional.ofNullable(byPod.get(m.name())).flatMap(NodeAnswer::status);
            if (own.isPresent() && own.get().getId() != m.raftId() && !m.name().equals(leader)) {
                if (!own.get().getClusterId().isEmpty() && !own.get().getClusterId().equals(clusterId)) {
                    return new Blocked("Pod " + m.name() + " runs a node of store cluster "
                            + own.get().getClusterId() + ", not of this store (" + clusterId + ")");
                }
                return new Remove(m.name(), m.raftId(), "Pod " + m.name() + " came back as a new incarnation "
                        + own.get().getId() + " (its data is gone); its old member " + m.raftId() + " goes first");
            }
        }
        for (Member m : members) {
            if (!"learner".equals(m.membership())) {
                continue;
            }
            if (StoreModel.ordinal(m.name()) < wanted) {
                return new Promote(m.name(), m.raftId());
            }
            return new Remove(m.name(), m.raftId(), "learner " + m.name() + " is beyond spec.replicas " + wanted);
        }

        List<Member> voters = members.stream().filter(m -> "voter".equals(m.membership())).toList();
        if (voters.size() < wanted) {
            return grow(store, podsInSet, members, byPod, removed, clusterId);
        }
        int highest = members.stream().mapToInt(m -> StoreModel.ordinal(m.name())).max().orElse(-1);
        if (podsInSet > highest + 1) {
            return new Resize(highest + 1, "the StatefulSet keeps only the Pods of the " + members.size()
                    + " members");
        }
        if (voters.size() > wanted) {
            return shrink(voters, leader);
        }
        return new Steady();
    }

    /** The step in a few words, for the status and the events. */
    public static String describe(Step step) {
        if (step instanceof Resize resize) {
            return "StatefulSet to " + resize.replicas() + " Pods: " + resize.why();
        } else if (step instanceof AddLearner add) {
            return "adding " + add.pod() + " (Raft id " + add.id() + ") as a learner";
        } else if (step instanceof Promote promote) {
            return "promoting learner " + promote.pod() + " (Raft id " + promote.id() + ") to voter";
        } else if (step instanceof Transfer transfer) {
            return "moving leadership from " + transfer.fromPod() + " to " + transfer.targetPod();
        } else if (step instanceof Remove remove) {
            return "removing " + remove.pod() + " (Raft id " + remove.id() + "): " + remove.why();
        } else if (step instanceof Wait wait) {
            return wait.why();
        } else if (step instanceof Blocked blocked) {
            return blocked.why();
        }
        return "membership matches spec.replicas";
    }

    private static Step grow(ReplicatedStore store, int podsInSet, List<Member> members,
                             Map<String, NodeAnswer> byPod, Set<Long> removed, String clusterId) {
        Set<String> memberPods = members.stream().map(Member::name).collect(Collectors.toSet());
        int next = 0;
        while (memberPods.contains(store.getMetadata().getName() + "-" + next)) {
            next++;
        }
        String pod = store.getMetadata().getName() + "-" + next;
        if (podsInSet <= next) {
            return new Resize(next + 1, "growing to " + store.getSpec().replicas() + " members: Pod " + pod
                    + " comes first, then joins as a learner");
        }
        NodeAnswer answer = byPod.get(pod);
        if (answer == null || answer.status().isEmpty()) {
            return new Wait("waiting for Pod " + pod + " to answer before it is added as a learner ("
                    + (answer == null ? "no Pod yet" : answer.problem()) + ")");
        }
        StatusResponse own = answer.status().get();
        if (removed.contains(own.getId())) {
            return new Blocked("Pod " + pod + " runs member id " + own.getId() + ", which the store removed; ids"
                    + " are never reused, so its volume claim holds an old incarnation: delete the claim and the"
                    + " Pod, and it comes back as a new member (spec.storage.whenScaledDown: Delete does this on"
                    + " scale-down)");
        }
        if (!own.getClusterId().isEmpty()) {
            return new Blocked("Pod " + pod + " holds data of store cluster " + own.getClusterId()
                    + (own.getClusterId().equals(clusterId) ? " but is not one of its members" : "")
                    + "; it is not added (delete its volume claim and the Pod to give it a new identity)");
        }
        return new AddLearner(pod, own.getId(), answer.address());
    }

    private static Step shrink(List<Member> voters, String leader) {
        Member victim = voters.stream().max(Comparator.comparingInt(m -> StoreModel.ordinal(m.name())))
                .orElseThrow();
        List<Member> staying = voters.stream().filter(m -> m != victim).toList();
        if (victim.name().equals(leader)) {
            Optional<Member> target = staying.stream().filter(m -> StoreView.HEALTHY.equals(m.health()))
                    .min(Comparator.comparingLong(m -> m.lag() == null ? Long.MAX_VALUE : m.lag()));
            return target.<Step>map(t -> new Transfer(victim.name(), t.raftId(), t.name()))
                    .orElseGet(() -> new Wait("leader " + victim.name() + " is to be removed but no other voter is"
                            + " healthy to take over"));
        }
        long healthy = staying.stream().filter(m -> StoreView.HEALTHY.equals(m.health())).count();
        int quorum = staying.size() / 2 + 1;
        if (healthy < quorum) {
            return new Wait("removing " + victim.name() + " would leave " + healthy + " healthy of " + staying.size()
                    + " voters, fewer than a quorum of " + quorum);
        }
        return new Remove(victim.name(), victim.raftId(), "shrinking to " + staying.size() + " voters");
    }
}
