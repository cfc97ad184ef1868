package dev.leasehold.operator.model;

import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.operator.store.Member;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The store as its nodes describe it, for the status: the cluster id, the leader's Pod and every member with its
 * role, membership, health and lag. A pure function of the answers; it reports only what some node said.
 *
 * @param clusterId the store's cluster id, once bootstrapped
 * @param leader    the Pod name of the leader, when some node knows it
 * @param members   the Raft members, as the leader (or else any answering node) lists them
 * @param problem   why the store is not usable yet or not bootstrapped (waiting for Pods, refused), if it is not
 * @param refused   true when a node refused to be bootstrapped into this store: never repaired by the operator
 */
public record StoreView(Optional<String> clusterId, Optional<String> leader, List<Member> members,
                        Optional<String> problem, boolean refused) {

    /** The health of a member that follows the leader. */
    public static final String HEALTHY = "healthy";
    /** The health of a member whose node answers but follows no leader, or another one. */
    public static final String NO_LEADER = "does not follow the leader";

    /** Nothing was asked yet. */
    public static final StoreView UNKNOWN = new StoreView(Optional.empty(), Optional.empty(), List.of(),
            Optional.empty(), false);

    public static StoreView waiting(String why) {
        return new StoreView(Optional.empty(), Optional.empty(), List.of(), Optional.of(why), false);
    }

    public static StoreView refused(String why) {
        return new StoreView(Optional.empty(), Optional.empty(), List.of(), Optional.of(why), true);
    }

    /** The view of a bootstrapped store with id {@code clusterId} from what its Pods answered. */
    public static StoreView of(String clusterId, List<NodeAnswer> answers) {
        Map<String, NodeAnswer> byPod = answers.stream()
                .collect(Collectors.toMap(NodeAnswer::pod, Function.identity(), (a, b) -> a));
        Optional<StatusResponse> leaderAnswer = answers.stream().flatMap(a -> a.status().stream())
                .filter(s -> s.getRole().equals("LEADER") && s.getClusterId().equals(clusterId))
                .max(Comparator.comparingLong(StatusResponse::getTerm));
        long leaderId = leaderAnswer.map(StatusResponse::getId).orElseGet(() -> answers.stream()
                .flatMap(a -> a.status().stream())
                .filter(s -> s.getClusterId().equals(clusterId) && s.getLeader() != 0)
                .max(Comparator.comparingLong(StatusResponse::getTerm))
                .map(StatusResponse::getLeader).orElse(0L));
        Optional<StatusResponse> described = leaderAnswer.or(() -> answers.stream().flatMap(a -> a.status().stream())
                .filter(s -> s.getClusterId().equals(clusterId))
                .max(Comparator.comparingLong(StatusResponse::getAppliedIndex)));
        List<Member> members = new ArrayList<>();
        Optional<String> leaderPod = Optional.empty();
        for (dev.leasehold.api.v1.Member m : described.map(StatusResponse::getMembersList).orElse(List.of())) {
            String pod = StoreModel.podOfAddress(m.getAddress());
            if (m.getId() == leaderId) {
                leaderPod = Optional.of(pod);
            }
            Long lag = leaderAnswer.isPresent() && m.getMatchIndex() > 0
                    ? Math.max(0, leaderAnswer.get().getLastIndex() - m.getMatchIndex()) : null;
            members.add(new Member(pod, m.getId(), m.getId() == leaderId ? "leader" : "follower",
                    m.getLearner() ? "learner" : "voter", health(byPod.get(pod), clusterId, leaderId), lag));
        }
        Optional<String> problem = leaderPod.isPresent() ? Optional.empty()
                : Optional.of(answers.stream().anyMatch(a -> a.status().isPresent())
                        ? "no store node knows a leader" : "no store node answers");
        return new StoreView(Optional.of(clusterId), leaderPod, members, problem, false);
    }

    private static String health(NodeAnswer answer, String clusterId, long leaderId) {
        if (answer == null) {
            return "no Pod";
        }
        if (answer.status().isEmpty()) {
            return answer.problem();
        }
        StatusResponse s = answer.status().get();
        if (!s.getClusterId().equals(clusterId)) {
            return "belongs to cluster " + (s.getClusterId().isEmpty() ? "(none yet)" : s.getClusterId());
        }
        if (s.getLeader() == 0 || s.getLeader() != leaderId) {
            return NO_LEADER;
        }
        return HEALTHY;
    }
}
