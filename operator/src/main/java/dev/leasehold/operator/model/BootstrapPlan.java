package dev.leasehold.operator.model;

import dev.leasehold.api.v1.BootstrapRequest;
import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.operator.store.ReplicatedStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Whether and how to bootstrap a new store (DESIGN.md: on Kubernetes a node never bootstraps itself; once every
 * initial Pod answers, the operator calls {@code Bootstrap(clusterId = the store's UID, members)} on each). A pure
 * function of what the Pods answered. It never bootstraps over a node that belongs to another cluster: that is
 * reported, and repaired only by a person.
 */
public final class BootstrapPlan {

    /** What to do this round. */
    public sealed interface Decision {
    }

    /** Every initial member already carries this store's cluster id (an earlier round bootstrapped them). */
    public record Bootstrapped(String clusterId) implements Decision {
    }

    /** Call {@code Bootstrap} with {@code request} on each of {@code targets}. */
    public record Call(BootstrapRequest request, List<NodeAnswer> targets) implements Decision {
    }

    /** Not every initial Pod answers yet. */
    public record Wait(String why) implements Decision {
    }

    /** A node belongs to another cluster: bootstrapping would split the store. */
    public record Refuse(String why) implements Decision {
    }

    private BootstrapPlan() {
    }

    /**
     * @param store    the store, not yet recorded as bootstrapped
     * @param replicas how many members the new cluster starts with (Pods {@code NAME-0} to {@code NAME-(n-1)})
     * @param answers  what the store's Pods answered this round
     */
    public static Decision decide(ReplicatedStore store, int replicas, List<NodeAnswer> answers) {
        String uid = store.getMetadata().getUid();
        for (NodeAnswer a : answers) {
            String theirs = a.status().map(StatusResponse::getClusterId).orElse("");
            if (!theirs.isEmpty() && !theirs.equals(uid)) {
                return new Refuse("Pod " + a.pod() + " belongs to store cluster " + theirs + ", not to this "
                        + "ReplicatedStore (uid " + uid + "); the operator does not bootstrap over it (see the "
                        + "README, \"Recovering a store\")");
            }
        }
        Map<String, NodeAnswer> byPod = answers.stream()
                .collect(Collectors.toMap(NodeAnswer::pod, Function.identity(), (a, b) -> a));
        List<NodeAnswer> initial = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            String pod = store.getMetadata().getName() + "-" + ordinal;
            NodeAnswer a = byPod.get(pod);
            if (a == null || a.status().isEmpty()) {
                silent.add(pod + " (" + (a == null ? "no Pod yet" : a.problem()) + ")");
            } else {
                initial.add(a);
            }
        }
        if (!silent.isEmpty()) {
            return new Wait("waiting for every initial member to answer before bootstrapping; not yet: "
                    + String.join(", ", silent));
        }
        if (initial.stream().allMatch(a -> a.status().orElseThrow().getClusterId().equals(uid))) {
            return new Bootstrapped(uid);
        }
        Set<Long> ids = new HashSet<>();
        BootstrapRequest.Builder request = BootstrapRequest.newBuilder().setClusterId(uid);
        for (NodeAnswer a : initial) {
            long id = a.status().orElseThrow().getId();
            if (!ids.add(id)) {
                return new Refuse("Pods " + initial.stream().filter(o -> o.status().orElseThrow().getId() == id)
                        .map(NodeAnswer::pod).toList() + " all report Raft id " + id);
            }
            request.addMembers(Member.newBuilder().setId(id).setAddress(a.address()));
        }
        return new Call(request.build(), initial.stream()
                .filter(a -> a.status().orElseThrow().getClusterId().isEmpty()).toList());
    }
}
