package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.client.Endpoint;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A StatefulSet of three store nodes on the local node: real processes on their own loopback addresses, finding each
 * other by their headless-Service names through the node's hosts file, with their data on provisioned claims.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorePodsTest {

    static final Duration GENEROUS = TestClusters.GENEROUS;
    static final String NAMESPACE = "store-pods-test";
    static final int PORT = 7001;

    static ControlPlane plane;
    static KubernetesClient client;
    static LocalNode node;
    @TempDir
    static Path dataRoot;

    @BeforeAll
    static void start() {
        plane = ControlPlane.start(Path.of("target", "control-plane-StorePodsTest"));
        client = TestClusters.adminClient(plane);
        NodeSettings settings = new NodeSettings("local-s", dataRoot, Duration.ofSeconds(1))
                .withLaunchers(List.of(Launcher.storeNode(System.getProperty("java.class.path"))))
                .withRestartBackoff(Duration.ofMillis(200));
        node = LocalNode.start(client, settings);
        TestClusters.createNamespace(plane, client, NAMESPACE);
        plane.kubectlWithInput(storeManifest(), "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();
    }

    private static String storeManifest() {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: store-peers}
                spec:
                  clusterIP: None
                  publishNotReadyAddresses: true
                  selector: {app: store}
                  ports: [{name: grpc, port: 7001}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: store}
                spec:
                  selector: {app: store}
                  ports: [{name: grpc, port: 7001}]
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: store-config}
                data:
                  LEASEHOLD_LISTEN: 0.0.0.0:7001
                  LEASEHOLD_DATA_DIR: /var/lib/leasehold/data
                  LEASEHOLD_PEER_SERVICE: store-peers.NAMESPACE.svc
                  LEASEHOLD_REPLICAS: "3"
                ---
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: store}
                spec:
                  serviceName: store-peers
                  replicas: 3
                  podManagementPolicy: Parallel
                  selector: {matchLabels: {app: store}}
                  template:
                    metadata: {labels: {app: store}}
                    spec:
                      terminationGracePeriodSeconds: 10
                      containers:
                      - name: store-node
                        image: ghcr.io/leasehold/store-node:test
                        envFrom: [{configMapRef: {name: store-config}}]
                        env:
                        - name: LEASEHOLD_POD_NAME
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                        ports: [{name: grpc, containerPort: 7001}]
                        resources: {limits: {memory: 256Mi}}
                        volumeMounts: [{name: data, mountPath: /var/lib/leasehold}]
                        startupProbe: {tcpSocket: {port: 7001}, periodSeconds: 1, failureThreshold: 120}
                        livenessProbe: {tcpSocket: {port: 7001}, periodSeconds: 2, failureThreshold: 3}
                        readinessProbe: {grpc: {port: 7001}, periodSeconds: 1, failureThreshold: 2}
                  volumeClaimTemplates:
                  - metadata: {name: data}
                    spec:
                      accessModes: [ReadWriteOnce]
                      resources: {requests: {storage: 1Gi}}
                """.replace("NAMESPACE", NAMESPACE);
    }

    @AfterAll
    static void stop() {
        TestClusters.closeAll(node, client, plane);
    }

    @Test
    @Order(1)
    void theStatefulSetBecomesThreeReadyStoreNodesOnTheirOwnAddressesWithOneLeader() throws IOException {
        awaitReady(3);
        List<Pod> pods = storePods();
        Set<String> addresses = pods.stream().map(p -> p.getStatus().getPodIP()).collect(Collectors.toSet());
        String prefix = node.podCidr().substring(0, node.podCidr().indexOf(".0.0/16") + 1);

        assertThat(addresses).hasSize(3).allSatisfy(a -> assertThat(a).startsWith(prefix));
        assertThat(node.podCidr()).doesNotStartWith("127.0.");
        String hosts = Files.readString(node.hostsFile());
        for (Pod pod : pods) {
            assertThat(hosts).containsPattern("(?m)^" + pod.getStatus().getPodIP().replace(".", "\\.") + "\\s.*\\b"
                    + pod.getMetadata().getName() + "\\.store-peers\\." + NAMESPACE + "\\.svc\\b");
        }
        try (LeaseholdClient store = storeClient()) {
            StatusResponse status = await().atMost(GENEROUS).until(store::status, s -> s.getLeader() != 0);
            assertThat(status.getMembersList()).hasSize(3);
            assertThat(status.getClusterId()).isNotEmpty();

            store.put(put("greeting", "hello"));
            assertThat(store.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("greeting")).build())
                    .getKv().getValue().toStringUtf8()).isEqualTo("hello");
        }
    }

    @Test
    @Order(2)
    void aKilledStoreProcessIsRestartedInItsPodAndCatchesUp() {
        awaitReady(3);
        Pod victim = pod("store-1");
        int restartsBefore = container(victim).getRestartCount();
        long pid = storePid(victim);
        try (LeaseholdClient store = storeClient()) {
            store.put(put("before-kill", "1"));
        }

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Pod now = pod("store-1");
            assertThat(now.getMetadata().getUid()).isEqualTo(victim.getMetadata().getUid());
            assertThat(container(now).getRestartCount()).isGreaterThan(restartsBefore);
            assertThat(container(now).getLastState().getTerminated().getExitCode()).isEqualTo(137);
            assertThat(container(now).getReady()).isTrue();
        });
        assertThat(storePid(pod("store-1"))).isNotEqualTo(pid);
        try (LeaseholdClient alone = new LeaseholdClient(List.of(new Endpoint(victim.getStatus().getPodIP(), PORT)))) {
            await().atMost(GENEROUS).untilAsserted(() -> assertThat(alone.get(GetRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("before-kill")).setConsistency(Consistency.SERIALIZABLE).build()).getKv()
                    .getValue().toStringUtf8()).isEqualTo("1"));
        }
    }

    @Test
    @Order(3)
    void aDeletedPodIsStoppedAndItsSuccessorGetsTheSameAddressAndItsData() {
        awaitReady(3);
        Pod before = pod("store-2");
        long pid = storePid(before);
        try (LeaseholdClient store = storeClient()) {
            store.put(put("before-delete", "2"));
        }

        plane.kubectl("delete", "pod", "store-2", "-n", NAMESPACE, "--wait=false").outOrThrow();

        await().atMost(GENEROUS).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        Pod after = await().atMost(GENEROUS).until(() -> pod("store-2"), p -> p != null
                && !p.getMetadata().getUid().equals(before.getMetadata().getUid())
                && p.getStatus() != null && Boolean.TRUE.equals(container(p) == null ? null : container(p).getReady()));
        assertThat(after.getStatus().getPodIP()).isEqualTo(before.getStatus().getPodIP());
        try (LeaseholdClient alone = new LeaseholdClient(List.of(new Endpoint(after.getStatus().getPodIP(), PORT)))) {
            // served from its own data: the claim kept the log across the new Pod
            assertThat(alone.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("greeting"))
                    .setConsistency(Consistency.SERIALIZABLE).build()).getKv().getValue().toStringUtf8()).isEqualTo("hello");
            await().atMost(GENEROUS).untilAsserted(() -> assertThat(alone.get(GetRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("before-delete")).setConsistency(Consistency.SERIALIZABLE).build()).getKv()
                    .getValue().toStringUtf8()).isEqualTo("2"));
        }
    }

    @Test
    @Order(4)
    void aPodOfAnImageWithoutALauncherWaitsAndSaysWhy() {
        plane.kubectlWithInput("""
                apiVersion: v1
                kind: Pod
                metadata: {name: foreign}
                spec:
                  containers:
                  - {name: shell, image: docker.io/library/busybox:1.36}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Pod pod = pod("foreign");
            assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
            ContainerStatus status = container(pod);
            assertThat(status.getState().getWaiting().getReason()).isEqualTo("NoLocalLauncher");
            assertThat(status.getState().getWaiting().getMessage()).contains("docker.io/library/busybox:1.36")
                    .contains(Launcher.STORE_NODE);
        });
    }

    @Test
    @Order(5)
    void closingTheNodeStopsEveryProcessAndFreesTheAddresses() {
        awaitReady(3);
        List<Long> pids = node.pids();
        List<String> addresses = storePods().stream().map(p -> p.getStatus().getPodIP()).toList();
        assertThat(pids).hasSize(3);

        node.close();
        node = null;

        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false)).as("pid %d alive", pid).isFalse());
        assertThat(addresses).allSatisfy(a -> assertThat(listening(a)).as("%s:%d listening", a, PORT).isFalse());
    }

    private static boolean listening(String address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, PORT), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitReady(int replicas) {
        await().atMost(GENEROUS).untilAsserted(() -> {
            List<Pod> pods = storePods();
            assertThat(pods).hasSize(replicas);
            assertThat(pods).allSatisfy(p -> {
                assertThat(p.getStatus().getPhase()).isEqualTo("Running");
                assertThat(p.getStatus().getConditions()).anySatisfy(c -> {
                    assertThat(c.getType()).isEqualTo("Ready");
                    assertThat(c.getStatus()).isEqualTo("True");
                });
            });
        });
    }

    private static List<Pod> storePods() {
        return client.pods().inNamespace(NAMESPACE).withLabel("app", "store").list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private static ContainerStatus container(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                || pod.getStatus().getContainerStatuses().isEmpty() ? null
                : pod.getStatus().getContainerStatuses().get(0);
    }

    private static long storePid(Pod pod) {
        return Long.parseLong(readPidFile(node.podDirectory(pod.getMetadata().getUid()).resolve("store-node.pid")));
    }

    private static String readPidFile(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new AssertionError("no pid file " + file, e);
        }
    }

    private static LeaseholdClient storeClient() {
        return new LeaseholdClient(IntStream.range(0, 3)
                .mapToObj(i -> new Endpoint(pod("store-" + i).getStatus().getPodIP(), PORT)).toList());
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .build();
    }
}
