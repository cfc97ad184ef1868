package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreStatusModelTest {

    private static final AppliedSpec THREE = new AppliedSpec(3, "example.test/store:1");
    private static final MembershipPlan.Step STEADY = new MembershipPlan.Steady();
    private static final RollPlan.Step DONE = new RollPlan.Done();
    private static final Instant T0 = Instant.parse("2026-12-07T06:00:00Z");

    @Test
    void withNoMemberAnsweringTheStoreIsNotAvailableAndSaysWhy() {
        ReplicatedStoreStatus status = StoreStatusModel.observe(store(3), THREE, pods(3, 0), Optional.empty(),
                StoreView.of("c-1", List.of()), STEADY, DONE, T0);

        assertThat(condition(status, "Available")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("QuorumLost");
            assertThat(c.getMessage()).isEqualTo("no store node answers, so no member can lead");
        });
        assertThat(condition(status, "Progressing").getStatus()).isEqualTo("True");
        assertThat(status.phase()).isEqualTo("Pending");
        assertThat(status.readyReplicas()).isZero();
        assertThat(status.leader()).isNull();
        assertThat(status.members()).isNull();
    }

    @Test
    void aQuorumOfReadyMembersIsAvailableButDegraded() {
        ReplicatedStoreStatus status = observe(store(3), THREE, pods(3, 2), T0);

        assertThat(condition(status, "Available").getStatus()).isEqualTo("True");
        assertThat(condition(status, "Degraded")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("MembersNotReady");
        });
        assertThat(status.phase()).isEqualTo("Degraded");
    }

    @Test
    void everyMemberReadyIsAvailableAndNotProgressing() {
        ReplicatedStoreStatus status = observe(store(3), THREE, pods(3, 3), T0);

        assertThat(status.phase()).isEqualTo("Available");
        assertThat(condition(status, "Progressing").getStatus()).isEqualTo("False");
        assertThat(condition(status, "Degraded").getStatus()).isEqualTo("False");
    }

    @Test
    void aStoreThatLostItsQuorumIsUnavailableNotPending() {
        ReplicatedStore store = store(3);
        store.setStatus(observe(store, THREE, pods(3, 3), T0));

        assertThat(observe(store, THREE, pods(3, 1), T0.plusSeconds(5)).phase()).isEqualTo("Unavailable");
    }

    @Test
    void aRollingRestartIsReportedAndAStalledOneDegradesTheStore() {
        ReplicatedStoreStatus rolling = StoreStatusModel.observe(store(3), THREE, pods(3, 3), Optional.empty(),
                BOOTSTRAPPED, STEADY, new RollPlan.Restart("s-2", "1 of 3 members run revision r2; followers first"),
                T0);
        assertThat(condition(rolling, "Progressing")).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("RollingUpdate");
            assertThat(c.getMessage()).isEqualTo("one member at a time: restarting s-2: 1 of 3 members run revision"
                    + " r2; followers first");
        });
        ReplicatedStoreStatus stalled = StoreStatusModel.observe(store(3), THREE, pods(3, 2), Optional.empty(),
                BOOTSTRAPPED, STEADY, new RollPlan.Stalled("restarted member s-2 is not back after 301 s"), T0);
        assertThat(condition(stalled, "Degraded")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("RollStalled");
        });
    }

    @Test
    void aMembershipChangeInProgressIsReportedAndABlockedOneDegradesTheStore() {
        ReplicatedStoreStatus scaling = StoreStatusModel.observe(store(5), THREE, pods(3, 3), Optional.empty(),
                BOOTSTRAPPED, new MembershipPlan.AddLearner("s-3", 4_000_000_001L, "s-3.p:7001"), DONE, T0);
        assertThat(condition(scaling, "Progressing")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("Scaling");
            assertThat(c.getMessage()).isEqualTo("to 5 members, one at a time: adding s-3 (Raft id 4000000001) as a"
                    + " learner");
        });
        assertThat(condition(scaling, "Degraded").getStatus()).isEqualTo("False");

        ReplicatedStoreStatus blocked = StoreStatusModel.observe(store(5), THREE, pods(3, 3), Optional.empty(),
                BOOTSTRAPPED, new MembershipPlan.Blocked("Pod s-3 runs member id 4, which the store removed"), DONE, T0);
        assertThat(condition(blocked, "Degraded")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("ScaleBlocked");
            assertThat(c.getMessage()).contains("which the store removed");
        });
    }

    @Test
    void aStoreWhoseVotersMostlyDoNotAnswerHasLostItsQuorumAndSaysWhichAnswer() {
        List<Member> oneOfThree = List.of(new Member("s-0", 1L, "follower", "voter", StoreView.NO_LEADER, null),
                new Member("s-1", 2L, "follower", "voter", "UNAVAILABLE: io exception", null),
                new Member("s-2", 3L, "follower", "voter", "Pod is Pending", null));
        ReplicatedStoreStatus lost = StoreStatusModel.observe(store(3), THREE, pods(3, 0), Optional.empty(),
                new StoreView(Optional.of("c-1"), Optional.empty(), oneOfThree, Optional.of("no leader"), false),
                STEADY, DONE, T0);

        assertThat(condition(lost, "Available")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("QuorumLost");
            assertThat(c.getMessage()).startsWith("no member leads and only 1 of 3 voters answer (s-0); a majority"
                    + " of 2 is needed").contains("does not delete data").contains("Recovering a store");
        });

        List<Member> twoOfThree = List.of(oneOfThree.get(0), new Member("s-1", 2L, "follower", "voter",
                StoreView.NO_LEADER, null), oneOfThree.get(2));
        ReplicatedStoreStatus electing = StoreStatusModel.observe(store(3), THREE, pods(3, 0), Optional.empty(),
                new StoreView(Optional.of("c-1"), Optional.empty(), twoOfThree, Optional.of("no leader"), false),
                STEADY, DONE, T0);
        assertThat(condition(electing, "Available").getReason()).as("a majority answers: an election is under way")
                .isEqualTo("NoQuorum");
    }

    @Test
    void aFailedReconciliationDegradesTheStoreWithTheError() {
        ReplicatedStoreStatus status = StoreStatusModel.observe(store(3), THREE, pods(3, 3),
                Optional.of("statefulsets is forbidden"), StoreView.UNKNOWN, STEADY, DONE, T0);

        assertThat(condition(status, "Degraded")).satisfies(c -> {
            assertThat(c.getReason()).isEqualTo("ReconcileFailed");
            assertThat(c.getMessage()).isEqualTo("statefulsets is forbidden");
        });
    }

    @Test
    void aConditionKeepsItsTransitionTimeUntilItsStatusChanges() {
        ReplicatedStore store = store(3);
        store.setStatus(observe(store, THREE, pods(3, 0), T0));

        ReplicatedStoreStatus same = observe(store, THREE, pods(3, 1), T0.plusSeconds(30));
        ReplicatedStoreStatus changed = observe(store, THREE, pods(3, 2), T0.plusSeconds(60));

        assertThat(condition(same, "Available").getLastTransitionTime()).isEqualTo("2026-12-07T06:00:00Z");
        assertThat(condition(changed, "Available").getLastTransitionTime()).isEqualTo("2026-12-07T06:01:00Z");
    }

    @Test
    void theStatusDescribesTheGenerationItSaw() {
        ReplicatedStore store = store(3);
        store.getMetadata().setGeneration(7L);

        ReplicatedStoreStatus status = observe(store, THREE, pods(3, 0), T0);

        assertThat(status.observedGeneration()).isEqualTo(7L);
        assertThat(status.conditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(7L));
        assertThat(status.currentImage()).isEqualTo("example.test/store:1");
    }

    @Test
    void aStoreNotYetBootstrappedIsNotAvailableAndSaysWhatItWaitsFor() {
        ReplicatedStoreStatus status = StoreStatusModel.observe(store(3), THREE, pods(3, 0), Optional.empty(),
                StoreView.waiting("waiting for every initial member to answer; not yet: s-2 (Pod is Pending)"), STEADY, DONE, T0);

        assertThat(condition(status, "Available")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("NotBootstrapped");
            assertThat(c.getMessage()).contains("s-2 (Pod is Pending)");
        });
        assertThat(status.clusterId()).isNull();
        assertThat(status.phase()).isEqualTo("Pending");
    }

    @Test
    void aRefusedBootstrapDegradesTheStoreAndIsNeverAvailable() {
        ReplicatedStoreStatus status = StoreStatusModel.observe(store(3), THREE, pods(3, 3), Optional.empty(),
                StoreView.refused("Pod s-1 belongs to store cluster other"), STEADY, DONE, T0);

        assertThat(condition(status, "Available").getReason()).isEqualTo("BootstrapRefused");
        assertThat(condition(status, "Degraded")).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getReason()).isEqualTo("BootstrapRefused");
            assertThat(c.getMessage()).isEqualTo("Pod s-1 belongs to store cluster other");
        });
        assertThat(status.phase()).isNotEqualTo("Available");
    }

    @Test
    void theLeaderAndMembersAreTheNodesWordAndTheClusterIdIsKeptWhenTheyWereNotAsked() {
        Member member = new Member("s-0", 1L, "leader", "voter", "healthy", 0L);
        ReplicatedStore store = store(3);
        store.setStatus(StoreStatusModel.observe(store, THREE, pods(3, 3), Optional.empty(),
                new StoreView(Optional.of("c-1"), Optional.of("s-0"), List.of(member), Optional.empty(), false), STEADY, DONE, T0));

        assertThat(store.getStatus().leader()).isEqualTo("s-0");
        assertThat(store.getStatus().members()).containsExactly(member);
        assertThat(condition(store.getStatus(), "Available").getMessage()).endsWith("; s-0 leads");

        ReplicatedStoreStatus failed = StoreStatusModel.observe(store, THREE, pods(3, 3), Optional.of("boom"),
                StoreView.UNKNOWN, STEADY, DONE, T0);
        assertThat(failed.clusterId()).isEqualTo("c-1");
        assertThat(failed.leader()).isEqualTo("s-0");
        ReplicatedStoreStatus leaderless = StoreStatusModel.observe(store, THREE, pods(3, 1), Optional.empty(),
                StoreView.of("c-1", List.of()), STEADY, DONE, T0);
        assertThat(leaderless.clusterId()).isEqualTo("c-1");
        assertThat(leaderless.leader()).isNull();
    }

    private static final StoreView BOOTSTRAPPED = new StoreView(Optional.of("c-1"), Optional.of("s-0"), List.of(),
            Optional.empty(), false);

    private static ReplicatedStoreStatus observe(ReplicatedStore store, AppliedSpec applied,
                                                 Optional<StatefulSet> statefulSet, Instant now) {
        return StoreStatusModel.observe(store, applied, statefulSet, Optional.empty(), BOOTSTRAPPED, STEADY, DONE, now);
    }

    private static Optional<StatefulSet> pods(int pods, int ready) {
        StatefulSet set = StoreModel.statefulSet(store(pods), new AppliedSpec(pods, "example.test/store:1"));
        set.setStatus(new StatefulSetStatusBuilder().withReplicas(pods).withReadyReplicas(ready).build());
        return Optional.of(set);
    }

    private static Condition condition(ReplicatedStoreStatus status, String type) {
        return StoreStatusModel.condition(status, type).orElseThrow();
    }
}
