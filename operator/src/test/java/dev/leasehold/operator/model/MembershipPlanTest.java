package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One server at a time, in the safe order; ids are never reused. */
class MembershipPlanTest {

    private static final String CLUSTER = "c-1";

    private static long id(int ordinal) {
        return (ordinal + 1) * 1_000_000_000L + 7;
    }

    private static String pod(int ordinal) {
        return "locks-" + ordinal;
    }

    /** A store whose voters are {@code voters}, led by {@code leader}, with learners and Pods as given. */
    private static final class Scenario {
        final List<Member> members = new ArrayList<>();
        final List<NodeAnswer> answers = new ArrayList<>();
        final List<Long> removed = new ArrayList<>();
        int leader = 0;

        Scenario voters(int count) {
            for (int i = 0; i < count; i++) {
                member(i, "voter", "healthy");
            }
            return this;
        }

        Scenario member(int ordinal, String membership, String health) {
            members.add(new Member(MembershipPlanTest.pod(ordinal), id(ordinal), ordinal == leader ? "leader" : "follower", membership,
                    health, 0L));
            answers.add(answer(ordinal, id(ordinal), CLUSTER));
            return this;
        }

        Scenario ledBy(int ordinal) {
            leader = ordinal;
            return this;
        }

        Scenario pod(int ordinal, long id, String clusterId) {
            answers.removeIf(a -> a.pod().equals(MembershipPlanTest.pod(ordinal)));
            answers.add(answer(ordinal, id, clusterId));
            return this;
        }

        NodeAnswer answer(int ordinal, long id, String clusterId) {
            StatusResponse.Builder s = StatusResponse.newBuilder().setId(id).setClusterId(clusterId)
                    .setRole(ordinal == leader ? "LEADER" : "FOLLOWER");
            if (ordinal == leader) {
                s.addAllRemoved(removed);
            }
            return NodeAnswer.answered(MembershipPlanTest.pod(ordinal), MembershipPlanTest.pod(ordinal) + ".p:7001",
                    s.build());
        }

        MembershipPlan.Step decide(int wanted, int podsInSet) {
            ReplicatedStore store = store(wanted);
            List<NodeAnswer> all = new ArrayList<>(answers);
            if (!removed.isEmpty()) {
                all.removeIf(a -> a.pod().equals(MembershipPlanTest.pod(leader)));
                all.add(answer(leader, id(leader), CLUSTER));
            }
            StoreView view = new StoreView(Optional.of(CLUSTER), Optional.of(MembershipPlanTest.pod(leader)),
                    members, Optional.empty(), false);
            return MembershipPlan.decide(store, podsInSet, view, all);
        }
    }

    @Test
    void growingAddsOnePodThenItsNodeAsALearnerThenPromotesIt() {
        assertThat(new Scenario().voters(3).decide(5, 3))
                .isInstanceOfSatisfying(MembershipPlan.Resize.class, r -> assertThat(r.replicas()).isEqualTo(4));
        assertThat(new Scenario().voters(3).decide(5, 4))
                .as("the new Pod is not running yet").isInstanceOf(MembershipPlan.Wait.class);
        assertThat(new Scenario().voters(3).pod(3, id(3), "").decide(5, 4))
                .isEqualTo(new MembershipPlan.AddLearner(pod(3), id(3), pod(3) + ".p:7001"));
        assertThat(new Scenario().voters(3).member(3, "learner", "healthy").decide(5, 4))
                .isEqualTo(new MembershipPlan.Promote(pod(3), id(3)));
        assertThat(new Scenario().voters(4).decide(5, 4))
                .as("only after the promotion does the next Pod come")
                .isInstanceOfSatisfying(MembershipPlan.Resize.class, r -> assertThat(r.replicas()).isEqualTo(5));
        assertThat(new Scenario().voters(5).decide(5, 5)).isInstanceOf(MembershipPlan.Steady.class);
    }

    @Test
    void shrinkingMovesLeadershipAwayRemovesTheMemberThenItsPodOneAtATime() {
        assertThat(new Scenario().ledBy(4).voters(5).decide(3, 5))
                .isInstanceOfSatisfying(MembershipPlan.Transfer.class, t -> {
                    assertThat(t.fromPod()).isEqualTo(pod(4));
                    assertThat(t.targetPod()).isNotEqualTo(pod(4));
                });
        assertThat(new Scenario().voters(5).decide(3, 5))
                .isInstanceOfSatisfying(MembershipPlan.Remove.class, r -> assertThat(r.id()).isEqualTo(id(4)));
        assertThat(new Scenario().voters(4).decide(3, 5))
                .as("the removed member's Pod goes before the next member")
                .isInstanceOfSatisfying(MembershipPlan.Resize.class, r -> assertThat(r.replicas()).isEqualTo(4));
        assertThat(new Scenario().voters(4).decide(3, 4))
                .isInstanceOfSatisfying(MembershipPlan.Remove.class, r -> assertThat(r.id()).isEqualTo(id(3)));
        assertThat(new Scenario().voters(3).decide(3, 4))
                .isInstanceOfSatisfying(MembershipPlan.Resize.class, r -> assertThat(r.replicas()).isEqualTo(3));
    }

    @Test
    void aRemovalThatWouldLeaveNoHealthyQuorumWaits() {
        Scenario ailing = new Scenario().voters(3).member(3, "voter", "UNAVAILABLE")
                .member(4, "voter", "healthy");
        ailing.members.set(1, new Member(pod(1), id(1), "follower", "voter", "UNAVAILABLE", null));
        ailing.members.set(2, new Member(pod(2), id(2), "follower", "voter", "UNAVAILABLE", null));

        assertThat(ailing.decide(3, 5)).isInstanceOfSatisfying(MembershipPlan.Wait.class,
                w -> assertThat(w.why()).contains("would leave 1 healthy of 4 voters, fewer than a quorum of 3"));
    }

    @Test
    void aPodThatLostItsDataIsANewIncarnationTheOldOneIsRemovedAndTheNewAdded() {
        long fresh = id(1) + 100;
        assertThat(new Scenario().voters(3).pod(1, fresh, "").decide(3, 3))
                .isInstanceOfSatisfying(MembershipPlan.Remove.class, r -> {
                    assertThat(r.id()).isEqualTo(id(1));
                    assertThat(r.why()).contains("new incarnation " + fresh);
                });
        Scenario afterRemoval = new Scenario().voters(3);
        afterRemoval.members.remove(1);
        afterRemoval.removed.add(id(1));
        afterRemoval.pod(1, fresh, "");
        assertThat(afterRemoval.decide(3, 3)).isEqualTo(new MembershipPlan.AddLearner(pod(1), fresh,
                pod(1) + ".p:7001"));
    }

    @Test
    void aPodRunningARemovedIdOrAnotherClustersDataIsBlockedNeverAdded() {
        Scenario retained = new Scenario().voters(3);
        retained.removed.add(id(3));
        retained.pod(3, id(3), CLUSTER);
        assertThat(retained.decide(5, 4)).isInstanceOfSatisfying(MembershipPlan.Blocked.class,
                b -> assertThat(b.why()).contains("runs member id " + id(3) + ", which the store removed"));

        assertThat(new Scenario().voters(3).pod(3, id(3), "other").decide(5, 4))
                .isInstanceOfSatisfying(MembershipPlan.Blocked.class,
                        b -> assertThat(b.why()).contains("holds data of store cluster other"));
        assertThat(new Scenario().voters(3).pod(2, id(2) + 1, "other").decide(3, 3))
                .isInstanceOfSatisfying(MembershipPlan.Blocked.class,
                        b -> assertThat(b.why()).contains("runs a node of store cluster other"));
    }

    @Test
    void aLearnerBeyondTheSpecIsRemovedNotPromoted() {
        assertThat(new Scenario().voters(3).member(3, "learner", "healthy").decide(3, 4))
                .isInstanceOfSatisfying(MembershipPlan.Remove.class, r -> assertThat(r.id()).isEqualTo(id(3)));
    }
}
