package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.operator.store.ReplicatedStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapPlanTest {

    private static final ReplicatedStore STORE = store(3);
    private static final String UID = STORE.getMetadata().getUid();

    static NodeAnswer answer(int ordinal, long id, String clusterId) {
        String pod = STORE.getMetadata().getName() + "-" + ordinal;
        return NodeAnswer.answered(pod, StoreModel.memberAddress(STORE, pod),
                StatusResponse.newBuilder().setId(id).setRole("FOLLOWER").setClusterId(clusterId).build());
    }

    @Test
    void whileAnInitialMemberIsSilentItWaitsNamingIt() {
        String pod2 = STORE.getMetadata().getName() + "-2";
        var decision = BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, ""), answer(1, 2, ""),
                NodeAnswer.silent(pod2, "a:1", "UNAVAILABLE: io exception")));

        assertThat(decision).isInstanceOfSatisfying(BootstrapPlan.Wait.class, w -> assertThat(w.why())
                .contains(pod2 + " (UNAVAILABLE: io exception)"));
        assertThat(BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, ""))))
                .isInstanceOfSatisfying(BootstrapPlan.Wait.class, w -> assertThat(w.why()).contains("no Pod yet"));
    }

    @Test
    void onceAllAnswerEachIsCalledWithTheStoreUidAndEveryMemberByItsOwnIdAndAddress() {
        var decision = BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, ""), answer(1, 2, UID),
                answer(2, 3, "")));

        assertThat(decision).isInstanceOfSatisfying(BootstrapPlan.Call.class, call -> {
            assertThat(call.request().getClusterId()).isEqualTo(UID);
            assertThat(call.request().getMembersList()).extracting(Member::getId).containsExactly(1L, 2L, 3L);
            assertThat(call.request().getMembers(2).getAddress())
                    .isEqualTo(STORE.getMetadata().getName() + "-2." + STORE.getMetadata().getName()
                            + "-peers." + STORE.getMetadata().getNamespace() + ".svc:7001");
            // the member that already has the id (an earlier round reached it) is not called again
            assertThat(call.targets()).extracting(NodeAnswer::pod).containsExactly(
                    STORE.getMetadata().getName() + "-0", STORE.getMetadata().getName() + "-2");
        });
    }

    @Test
    void membersThatAllCarryTheUidAreBootstrapped() {
        assertThat(BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, UID), answer(1, 2, UID), answer(2, 3, UID))))
                .isEqualTo(new BootstrapPlan.Bootstrapped(UID));
    }

    @Test
    void aNodeOfAnotherClusterOrTwoNodesWithOneIdAreRefusedNotBootstrappedOver() {
        assertThat(BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, ""), answer(1, 2, "someone-else"))))
                .isInstanceOfSatisfying(BootstrapPlan.Refuse.class, r -> assertThat(r.why())
                        .contains("someone-else").contains(UID));
        assertThat(BootstrapPlan.decide(STORE, 3, List.of(answer(0, 1, ""), answer(1, 1, ""), answer(2, 3, ""))))
                .isInstanceOfSatisfying(BootstrapPlan.Refuse.class, r -> assertThat(r.why())
                        .contains("Raft id 1"));
    }

    @Test
    void theViewNamesTheLeaderPodAndEachMembersRoleHealthAndLag() {
        String name = STORE.getMetadata().getName();
        List<Member> members = List.of(
                Member.newBuilder().setId(1).setAddress(StoreModel.memberAddress(STORE, name + "-0")).setMatchIndex(40).build(),
                Member.newBuilder().setId(2).setAddress(StoreModel.memberAddress(STORE, name + "-1")).setMatchIndex(37).build(),
                Member.newBuilder().setId(3).setAddress(StoreModel.memberAddress(STORE, name + "-2")).setLearner(true).build());
        NodeAnswer leader = NodeAnswer.answered(name + "-0", "a", StatusResponse.newBuilder().setId(1)
                .setRole("LEADER").setLeader(1).setTerm(4).setLastIndex(40).setClusterId(UID)
                .addAllMembers(members).build());
        NodeAnswer follower = NodeAnswer.answered(name + "-1", "b", StatusResponse.newBuilder().setId(2)
                .setRole("FOLLOWER").setLeader(1).setTerm(4).setClusterId(UID).build());
        NodeAnswer silent = NodeAnswer.silent(name + "-2", "c", "DEADLINE_EXCEEDED");

        StoreView view = StoreView.of(UID, List.of(leader, follower, silent));

        assertThat(view.leader()).contains(name + "-0");
        assertThat(view.problem()).isEmpty();
        assertThat(view.members()).extracting(dev.leasehold.operator.store.Member::name, m -> m.role(),
                        m -> m.membership(), m -> m.health(), m -> m.lag())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(name + "-0", "leader", "voter", "healthy", 0L),
                        org.assertj.core.groups.Tuple.tuple(name + "-1", "follower", "voter", "healthy", 3L),
                        org.assertj.core.groups.Tuple.tuple(name + "-2", "follower", "learner", "DEADLINE_EXCEEDED",
                                null));
    }
}
