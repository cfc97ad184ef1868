package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.operator.store.Member;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Followers first, the leader last after a transfer; one member at a time; a member not back stops the roll. */
class RollPlanTest {

    private static final Instant NOW = Instant.parse("2026-12-08T01:00:00Z");
    private static final String OLD = "locks-old";
    private static final String NEW = "locks-new";

    private static StatefulSet statefulSet() {
        StatefulSet set = StoreModel.statefulSet(store(3), new AppliedSpec(3, "example.test/store:2"));
        set.getMetadata().setGeneration(4L);
        set.setStatus(new StatefulSetStatusBuilder().withObservedGeneration(4L).withUpdateRevision(NEW)
                .withCurrentRevision(OLD).build());
        return set;
    }

    private static Pod pod(int ordinal, String revision, boolean ready, Instant created) {
        return new PodBuilder().withNewMetadata().withName("locks-" + ordinal)
                .addToLabels("controller-revision-hash", revision).withCreationTimestamp(created.toString())
                .endMetadata()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .endCondition().endStatus().build();
    }

    private static StoreView view(int leader, String... health) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < health.length; i++) {
            members.add(new Member("locks-" + i, (i + 1) * 1_000_000_000L + 1, i == leader ? "leader" : "follower",
                    "voter", health[i], 0L));
        }
        return new StoreView(Optional.of("c-1"), Optional.of("locks-" + leader), members, Optional.empty(), false);
    }

    private static RollPlan.Step decide(List<Pod> pods, StoreView view) {
        return RollPlan.decide(store(3), statefulSet(), pods, view, NOW);
    }

    private static final Instant LONG_AGO = NOW.minusSeconds(3600);

    @Test
    void followersRestartFirstHighestOrdinalFirstAndOneAtATime() {
        StoreView healthy = view(1, "healthy", "healthy", "healthy");
        assertThat(decide(List.of(pod(0, OLD, true, LONG_AGO), pod(1, OLD, true, LONG_AGO),
                pod(2, OLD, true, LONG_AGO)), healthy))
                .isInstanceOfSatisfying(RollPlan.Restart.class, r -> assertThat(r.pod()).isEqualTo("locks-2"));
        assertThat(decide(List.of(pod(0, OLD, true, LONG_AGO), pod(1, OLD, true, LONG_AGO),
                pod(2, NEW, false, NOW.minusSeconds(5))), view(1, "healthy", "healthy", "UNAVAILABLE")))
                .as("the restarted member is not back yet")
                .isInstanceOfSatisfying(RollPlan.Wait.class, w -> assertThat(w.why())
                        .contains("waiting for restarted member locks-2"));
        assertThat(decide(List.of(pod(0, OLD, true, LONG_AGO), pod(1, OLD, true, LONG_AGO),
                pod(2, NEW, true, NOW.minusSeconds(5))), healthy))
                .isInstanceOfSatisfying(RollPlan.Restart.class, r -> assertThat(r.pod()).isEqualTo("locks-0"));
    }

    @Test
    void theLeaderRestartsLastAfterHandingOverLeadership() {
        List<Pod> onlyLeaderOld = List.of(pod(0, NEW, true, NOW), pod(1, OLD, true, LONG_AGO),
                pod(2, NEW, true, NOW));
        assertThat(decide(onlyLeaderOld, view(1, "healthy", "healthy", "healthy")))
                .isInstanceOfSatisfying(RollPlan.Transfer.class, t -> {
                    assertThat(t.fromPod()).isEqualTo("locks-1");
                    assertThat(t.targetPod()).isIn("locks-0", "locks-2");
                });
        assertThat(decide(onlyLeaderOld, view(0, "healthy", "healthy", "healthy")))
                .isInstanceOfSatisfying(RollPlan.Restart.class, r -> assertThat(r.pod()).isEqualTo("locks-1"));
        assertThat(decide(List.of(pod(0, NEW, true, NOW), pod(1, NEW, true, NOW), pod(2, NEW, true, NOW)),
                view(0, "healthy", "healthy", "healthy"))).isInstanceOf(RollPlan.Done.class);
    }

    @Test
    void aLaggingMemberHoldsTheRoll() {
        StoreView lagging = new StoreView(Optional.of("c-1"), Optional.of("locks-0"), List.of(
                new Member("locks-0", 1L, "leader", "voter", "healthy", 0L),
                new Member("locks-1", 2L, "follower", "voter", "healthy", 5_000L),
                new Member("locks-2", 3L, "follower", "voter", "healthy", 0L)), Optional.empty(), false);
        assertThat(decide(List.of(pod(0, OLD, true, LONG_AGO), pod(1, NEW, true, NOW.minusSeconds(3)),
                pod(2, OLD, true, LONG_AGO)), lagging))
                .isInstanceOfSatisfying(RollPlan.Wait.class, w -> assertThat(w.why())
                        .contains("catching up, 5000 entries behind"));
    }

    @Test
    void aRestartedMemberNotBackInTimeStallsTheRollAndNoOtherPodIsTouched() {
        List<Pod> pods = List.of(pod(0, OLD, true, LONG_AGO), pod(1, OLD, true, LONG_AGO),
                pod(2, NEW, false, NOW.minusSeconds(301)));
        assertThat(decide(pods, view(0, "healthy", "healthy", "UNAVAILABLE: io exception")))
                .isInstanceOfSatisfying(RollPlan.Stalled.class, s -> assertThat(s.why())
                        .contains("restarted member locks-2 is not back after 301 s")
                        .contains("no other Pod is touched"));
    }

    @Test
    void aMemberThatIsDownOnTheOldRevisionIsRestartedFirstWhichRecoversAStalledRoll() {
        // the spec went back to a good image: the stalled Pod now runs an old revision and is restarted
        List<Pod> pods = List.of(pod(0, NEW, true, LONG_AGO), pod(1, NEW, true, LONG_AGO),
                pod(2, OLD, false, NOW.minusSeconds(900)));
        assertThat(decide(pods, view(0, "healthy", "healthy", "Pod is Pending")))
                .isInstanceOfSatisfying(RollPlan.Restart.class, r -> {
                    assertThat(r.pod()).isEqualTo("locks-2");
                    assertThat(r.why()).contains("restarting it loses nothing");
                });
    }

    @Test
    void nothingHappensWhileAPodStopsOrTheControllerHasNotSeenTheTemplate() {
        Pod stopping = new PodBuilder(pod(2, OLD, true, LONG_AGO)).editMetadata()
                .withDeletionTimestamp(NOW.toString()).endMetadata().build();
        assertThat(decide(List.of(pod(0, OLD, true, LONG_AGO), pod(1, OLD, true, LONG_AGO), stopping),
                view(0, "healthy", "healthy", "healthy"))).isInstanceOf(RollPlan.Wait.class);

        StatefulSet unseen = statefulSet();
        unseen.getMetadata().setGeneration(5L);
        assertThat(RollPlan.decide(store(3), unseen, List.of(pod(0, OLD, true, LONG_AGO)),
                view(0, "healthy", "healthy", "healthy"), NOW)).isInstanceOfSatisfying(RollPlan.Wait.class,
                w -> assertThat(w.why()).contains("has not yet seen the latest Pod template"));
    }
}
