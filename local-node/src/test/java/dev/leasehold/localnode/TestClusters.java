package dev.leasehold.localnode;

import static org.awaitility.Awaitility.await;

import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** What the local-node tests share: an admin client of the control plane and namespaces ready for Pods. */
final class TestClusters {

    static final Duration GENEROUS = Duration.ofSeconds(120);

    private TestClusters() {
    }

    static KubernetesClient adminClient(ControlPlane plane) {
        return DevKubernetes.adminClient(plane);
    }

    /** Creates a namespace and waits for its default service account, without which no Pod is admitted. */
    static void createNamespace(ControlPlane plane, KubernetesClient client, String namespace) {
        plane.kubectl("create", "namespace", namespace).outOrThrow();
        await().atMost(GENEROUS).until(() -> client.serviceAccounts().inNamespace(namespace).withName("default")
                .get() != null);
    }

    /** Closes what a test class started, in the order given, whatever of it was started. */
    static void closeAll(AutoCloseable... started) {
        DevKubernetes.closeAll(started);
    }
}
