package dev.leasehold.operator;

import static dev.leasehold.operator.OperatorTestSupport.GENEROUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.operator.lease.Lease;
import dev.leasehold.operator.lease.LeasePhase;
import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Until the store backs claims, a Lease stays Pending and says why; it never shows a lock it does not hold. */
@QuarkusTest
class LeaseReconcilerTest {

    static final String NAMESPACE = "lease-reconciler";

    @Inject
    KubernetesClient client;

    ControlPlane plane = ControlPlaneResource.plane();

    @BeforeAll
    static void namespace() {
        OperatorTestSupport.namespace(NAMESPACE);
    }

    @Test
    void aClaimOnAStoreNotYetBootstrappedStaysPendingWithTheReasonAndNoSession() {
        plane.kubectlWithInput("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata: {name: locks}
                spec: {replicas: 3, storage: {size: 1Gi}}
                ---
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata: {name: report}
                spec: {storeRef: {name: locks}, lockName: nightly-report, holderIdentity: worker-0}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Lease lease = lease("report");
            assertThat(lease.getStatus()).isNotNull();
            assertThat(lease.getStatus().phase()).isEqualTo(LeasePhase.Pending);
            assertThat(lease.getStatus().observedGeneration()).isEqualTo(1L);
            assertThat(lease.getStatus().fencingToken()).isNull();
            assertThat(lease.getStatus().sessionId()).isNull();
            assertThat(lease.getStatus().conditions()).singleElement().satisfies(c -> {
                assertThat(c.getType()).isEqualTo("Granted");
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("StoreNotReady");
                assertThat(c.getMessage()).isEqualTo("the ReplicatedStore locks is not bootstrapped yet");
            });
        });
        assertThat(lease("report").getSpec().ttlSeconds()).as("the schema's default").isEqualTo(15);
        assertThat(lease("report").getMetadata().getFinalizers()).containsExactly("leasehold.dev/claim");
        // a claim that never got a session goes at once
        client.resources(Lease.class).inNamespace(NAMESPACE).withName("report").delete();
        await().atMost(GENEROUS).until(() -> lease("report") == null);
    }

    @Test
    void aClaimOnAMissingStoreSaysSoUntilTheStoreAppears() {
        plane.kubectlWithInput("""
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata: {name: orphan}
                spec: {storeRef: {name: nowhere}, lockName: nightly-report, holderIdentity: worker-0}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Lease lease = lease("orphan");
            assertThat(lease.getStatus()).isNotNull();
            assertThat(lease.getStatus().conditions()).singleElement().satisfies(c -> {
                assertThat(c.getReason()).isEqualTo("StoreNotFound");
                assertThat(c.getMessage()).contains("ReplicatedStore nowhere does not exist in namespace "
                        + NAMESPACE);
            });
        });

        plane.kubectlWithInput("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata: {name: nowhere}
                spec: {replicas: 1, storage: {size: 1Gi}}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> assertThat(lease("orphan").getStatus().conditions())
                .singleElement().satisfies(c -> assertThat(c.getReason()).isEqualTo("StoreNotReady")));
    }

    private Lease lease(String name) {
        return client.resources(Lease.class).inNamespace(NAMESPACE).withName(name).get();
    }
}
