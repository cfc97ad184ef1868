package dev.leasehold.operator.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The status builders keep the mirror monotonic, as the CRD's rules demand. */
class LeaseClaimsTest {

    private static final Instant NOW = Instant.parse("2026-12-08T01:00:00Z");

    private static Lease claim(LeaseStatus status, String... annotations) {
        Lease lease = new Lease();
        ObjectMetaBuilder meta = new ObjectMetaBuilder().withName("report").withNamespace("team-a")
                .withUid("2b9d6f1e-8c4a-4d3b-9e7f-6a5c4b3a2d1e").withGeneration(1L);
        for (int i = 0; i + 1 < annotations.length; i += 2) {
            meta.addToAnnotations(annotations[i], annotations[i + 1]);
        }
        lease.setMetadata(meta.build());
        lease.setSpec(new LeaseSpec(new StoreRef("locks"), "nightly", "worker-0", 15, Renewal.Kubernetes));
        lease.setStatus(status);
        return lease;
    }

    @Test
    void theWriteOnceFieldsAreCarriedOverAndRenewAckNeverDecreases() {
        LeaseStatus granted = LeaseClaims.granted(claim(null), "c-1", 42);
        LeaseStatus waiting = LeaseClaims.waiting(claim(granted), 2, 7);
        LeaseStatus held = LeaseClaims.held(claim(waiting), 1001, 5, NOW);
        LeaseStatus heldAgain = LeaseClaims.held(claim(held), 2002, 9, NOW.plusSeconds(60));
        LeaseStatus expired = LeaseClaims.ended(claim(heldAgain), false, 0, "the store ended session 42");

        assertThat(List.of(granted, waiting, held, heldAgain, expired)).allSatisfy(s -> {
            assertThat(s.clusterId()).isEqualTo("c-1");
            assertThat(s.sessionId()).isEqualTo(42L);
        });
        assertThat(granted.phase()).as("Waiting only with a place in the queue").isEqualTo(LeasePhase.Pending);
        assertThat(LeaseClaims.waiting(claim(granted), 0, 0).phase()).isEqualTo(LeasePhase.Pending);
        assertThat(waiting.phase()).isEqualTo(LeasePhase.Waiting);
        assertThat(waiting.queuePosition()).isEqualTo(2);
        assertThat(waiting.renewAck()).isEqualTo(7L);
        assertThat(held.renewAck()).as("never lowered").isEqualTo(7L);
        assertThat(held.fencingToken()).isEqualTo(1001L);
        assertThat(held.queuePosition()).isNull();
        assertThat(heldAgain.fencingToken()).as("written once").isEqualTo(1001L);
        assertThat(heldAgain.acquireTime()).isEqualTo(held.acquireTime()).isEqualTo("2026-12-08T01:00:00Z");
        assertThat(heldAgain.renewAck()).isEqualTo(9L);
        assertThat(expired.phase()).isEqualTo(LeasePhase.Expired);
        assertThat(expired.fencingToken()).isEqualTo(1001L);
        assertThat(expired.renewAck()).isEqualTo(9L);
        assertThat(LeaseClaims.isFinal(expired.phase())).isTrue();
    }

    @Test
    void aClaimItsHolderMarkedReleasedEndsReleasedAndTheConditionSaysWhy() {
        LeaseStatus held = LeaseClaims.held(claim(LeaseClaims.granted(claim(null), "c-1", 42)), 1001, 0, NOW);
        LeaseStatus released = LeaseClaims.ended(claim(held, "leasehold.dev/released", "true"), true, 0,
                "the store ended session 42");

        assertThat(released.phase()).isEqualTo(LeasePhase.Released);
        assertThat(released.conditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Granted");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("Released");
        });
        assertThat(held.conditions().get(0).getMessage()).isEqualTo("lock nightly held with fencing token 1001");
    }

    @Test
    void theRenewCounterIsReadOnlyWhenItIsANumberAndLocksAreNamespaced() {
        assertThat(LeaseClaims.renewCounter(claim(null, "leasehold.dev/renew", "17"))).contains(17L);
        assertThat(LeaseClaims.renewCounter(claim(null, "leasehold.dev/renew", "soon"))).isEmpty();
        assertThat(LeaseClaims.renewCounter(claim(null))).isEmpty();
        assertThat(LeaseClaims.lockName(claim(null))).isEqualTo("team-a/nightly");
        assertThat(LeaseReconciler.invocationId(claim(null))).isPositive()
                .isEqualTo(LeaseReconciler.invocationId(claim(null)));
    }
}
