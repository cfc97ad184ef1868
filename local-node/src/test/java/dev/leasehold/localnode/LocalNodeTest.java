package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalNodeTest {

    static final Duration GENEROUS = TestClusters.GENEROUS;
    static final String NAMESPACE = "local-node-test";

    static ControlPlane plane;
    static KubernetesClient client;
    static LocalNode node;
    @TempDir
    static Path dataRoot;

    @BeforeAll
    static void start() {
        plane = ControlPlane.start(Path.of("target", "control-plane-LocalNodeTest"));
        client = TestClusters.adminClient(plane);
        node = LocalNode.start(client, new NodeSettings("local-a", dataRoot, Duration.ofMillis(500)));
        TestClusters.createNamespace(plane, client, NAMESPACE);
    }

    @AfterAll
    static void stop() {
        TestClusters.closeAll(node, client, plane);
    }

    @Test
    void theNodeRegistersReadyAndSchedulableWithRoomForTheStoreAndOperatorPods() {
        Node registered = client.nodes().withName("local-a").get();

        assertThat(registered.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready"))
                .extracting(NodeCondition::getStatus).containsExactly("True");
        assertThat(registered.getStatus().getAllocatable()).containsEntry("pods", new Quantity("32"))
                .containsEntry("cpu", new Quantity("16")).containsEntry("memory", new Quantity("64Gi"));
        assertThat(registered.getSpec().getTaints()).isNullOrEmpty();
        assertThat(registered.getSpec().getUnschedulable()).isNotEqualTo(Boolean.TRUE);
        assertThat(registered.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "local-a");
    }

    @Test
    void theNodeRenewsItsLeaseAndHeartbeat() {
        Instant first = renewTime();

        await().atMost(GENEROUS).until(() -> renewTime().isAfter(first));

        var lease = client.leases().inNamespace("kube-node-lease").withName("local-a").get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("local-a");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    }

    @Test
    void aClaimOfTheDefaultClassGetsADirectoryOnThisNodeAndLosesItWithTheClaim() throws Exception {
        plane.kubectlWithInput("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data-store-0}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 2Gi}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: store-0}
                spec:
                  containers:
                  - name: store-node
                    image: ghcr.io/leasehold/store-node:test
                    volumeMounts: [{name: data, mountPath: /var/lib/leasehold}]
                  volumes:
                  - name: data
                    persistentVolumeClaim: {claimName: data-store-0}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        PersistentVolumeClaim bound = await().atMost(GENEROUS).until(() -> claim("data-store-0"),
                c -> c != null && "Bound".equals(c.getStatus().getPhase()));
        PersistentVolume volume = client.persistentVolumes().withName(bound.getSpec().getVolumeName()).get();
        Path directory = Path.of(volume.getSpec().getLocal().getPath());

        assertThat(bound.getSpec().getStorageClassName()).isEqualTo("leasehold-local");
        assertThat(directory).isDirectory().startsWith(dataRoot);
        assertThat(volume.getSpec().getCapacity()).containsEntry("storage", new Quantity("2Gi"));
        assertThat(volume.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0)
                .getMatchExpressions().get(0).getValues()).containsExactly("local-a");
        // the scheduler binds the Pod once its volume is bound
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(client.pods().inNamespace(NAMESPACE)
                .withName("store-0").get().getSpec().getNodeName()).isEqualTo("local-a"));

        plane.kubectl("delete", "pod", "store-0", "-n", NAMESPACE, "--grace-period=0", "--force").outOrThrow();
        plane.kubectl("delete", "pvc", "data-store-0", "-n", NAMESPACE).outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            assertThat(client.persistentVolumes().withName(volume.getMetadata().getName()).get()).isNull();
            assertThat(Files.exists(directory)).isFalse();
        });
    }

    @Test
    void aClaimOfAnotherClassIsLeftAlone() {
        plane.kubectlWithInput("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: elsewhere}
                spec:
                  storageClassName: someone-elses
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        // the provisioner has seen the claim once the next claim of its own class is served; by then this one would
        // have been provisioned too
        plane.kubectlWithInput("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: marker, annotations: {volume.kubernetes.io/selected-node: local-a}}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Gi}}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();
        await().atMost(GENEROUS).until(() -> claim("marker").getSpec().getVolumeName() != null
                || client.persistentVolumes().withName("pvc-" + claim("marker").getMetadata().getUid()).get() != null);

        assertThat(claim("elsewhere").getStatus().getPhase()).isEqualTo("Pending");
        assertThat(client.persistentVolumes().withName("pvc-" + claim("elsewhere").getMetadata().getUid()).get())
                .isNull();
    }

    private Instant renewTime() {
        return client.leases().inNamespace("kube-node-lease").withName("local-a").get().getSpec().getRenewTime()
                .toInstant();
    }

    private PersistentVolumeClaim claim(String name) {
        return client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(name).get();
    }
}
