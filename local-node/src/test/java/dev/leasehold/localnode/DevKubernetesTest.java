package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.TransferLeadershipRequest;
import dev.leasehold.client.Endpoint;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.kubernetes.LeaseClaim;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import dev.leasehold.testenv.Binaries;
import dev.leasehold.testenv.KubectlResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end, as a new user meets it: {@code leasehold dev --kubernetes} ({@link DevKubernetesMain}) as a process of
 * its own — the control plane, the local node and the operator installed from the chart as a Pod — then
 * {@code kubectl apply -f examples/replicatedstore.yaml} becomes three store processes that the operator bootstraps
 * into one cluster; SIGTERM, as Ctrl-C, stops it all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevKubernetesTest {

    static final Duration GENEROUS = TestClusters.GENEROUS;
    static final Path REPOSITORY = Path.of(System.getProperty("leasehold.repository", "..")).toAbsolutePath()
            .normalize();
    static final Path WORK_DIR = Path.of("target", "dev-kubernetes-test").toAbsolutePath();
    static final Path OUTPUT = Path.of("target", "dev-kubernetes-test.log").toAbsolutePath();
    static final String NAMESPACE = "e2e";
    static final String STORE = "locks";
    static final int PORT = 7001;
    static final int STORE_REPLICAS = 3;

    static Process dev;
    static KubernetesClient client;

    @BeforeAll
    static void start() throws IOException {
        String classPath = System.getProperty("java.class.path");
        dev = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", classPath, DevKubernetesMain.class.getName(),
                "--work-dir", WORK_DIR.toString(),
                "--store-classpath", classPath,
                "--operator-app", REPOSITORY.resolve("operator/target/quarkus-app/quarkus-run.jar").toString(),
                "--chart", REPOSITORY.resolve("helm/leasehold").toString(),
                "--restart-backoff", "500ms")
                .redirectErrorStream(true).redirectOutput(OUTPUT.toFile()).start();
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (!dev.isAlive()) {
                throw new AssertionError("leasehold dev --kubernetes exited with " + dev.exitValue() + ":\n"
                        + Files.readString(OUTPUT));
            }
            return Files.readString(OUTPUT).contains("Kubernetes is up");
        });
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(
                Files.readString(WORK_DIR.resolve("control-plane/kubeconfig")))).build();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                .build()).create();
        await().atMost(GENEROUS).until(() -> client.serviceAccounts().inNamespace(NAMESPACE).withName("default")
                .get() != null);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (dev != null && dev.isAlive()) {
            // a failed test must not leave its processes behind
            List<ProcessHandle> started = dev.toHandle().descendants().toList();
            dev.destroyForcibly();
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    @Order(1)
    void theExampleStoreBecomesAvailableWithALeaderAndServesWrites() {
        long applied = System.nanoTime();
        kubectl(null, "apply", "-n", NAMESPACE, "-f", REPOSITORY.resolve("examples/replicatedstore.yaml")
                .toString()).outOrThrow();

        Map<String, Object> status = awaitAvailable();
        System.out.printf("DevKubernetesTest: ReplicatedStore %s applied -> Available with a leader in %.1f s%n",
                STORE, (System.nanoTime() - applied) / 1e9);
        assertThat(status.get("clusterId")).isEqualTo(store().get().getMetadata().getUid());
        assertThat((String) status.get("leader")).matches(STORE + "-[012]");
        assertThat(members(status)).hasSize(3).allSatisfy(m -> {
            assertThat(m.get("membership")).isEqualTo("voter");
            assertThat(m.get("health")).isEqualTo("healthy");
        });
        assertThat(storePods()).hasSize(3).allSatisfy(p -> {
            assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            assertThat(container(p).getReady()).isTrue();
        });
        assertThat(kubectl(null, "get", "rstore", "-n", NAMESPACE).outOrThrow()).contains(STORE)
                .contains("Available");
        try (LeaseholdClient store = storeClient()) {
            store.put(put("greeting", "hello"));
            assertThat(store.get(get("greeting")).getKv().getValue().toStringUtf8()).isEqualTo("hello");
        }
    }

    @Test
    @Order(2)
    void aDeletedMemberPodIsRecreatedAndRejoinsWithItsClaimAddressAndData() {
        awaitAvailable();
        Pod before = pod(STORE + "-1");
        List<String> acknowledged = new ArrayList<>();
        try (LeaseholdClient store = storeClient()) {
            for (int i = 0; i < 50; i++) {
                store.put(put("before-delete-" + i, Integer.toString(i)));
                acknowledged.add("before-delete-" + i);
            }
        }

        kubectl(null, "delete", "pod", before.getMetadata().getName(), "-n", NAMESPACE, "--wait=false")
                .outOrThrow();

        Pod after = await().atMost(GENEROUS).until(() -> pod(STORE + "-1"), p -> p != null
                && !p.getMetadata().getUid().equals(before.getMetadata().getUid())
                && container(p) != null && Boolean.TRUE.equals(container(p).getReady()));
        assertThat(after.getStatus().getPodIP()).isEqualTo(before.getStatus().getPodIP());
        awaitAvailable();
        try (LeaseholdClient alone = new LeaseholdClient(List.of(new Endpoint(after.getStatus().getPodIP(), PORT)))) {
            // read from the recreated member's own state: every acknowledged write is there
            await().atMost(GENEROUS).untilAsserted(() -> {
                for (String key : acknowledged) {
                    assertThat(alone.get(get(key).toBuilder().setConsistency(Consistency.SERIALIZABLE).build())
                            .getFound()).as(key).isTrue();
                }
            });
        }
        System.out.printf("DevKubernetesTest: %d acknowledged writes all read back from the recreated %s%n",
                acknowledged.size(), after.getMetadata().getName());
    }

    @Test
    @Order(3)
    void aKilledStoreProcessIsRestartedAndTheMemberRejoins() {
        awaitAvailable();
        Pod victim = pod(STORE + "-2");
        int restarts = container(victim).getRestartCount();
        long pid = pid(victim, "store-node");

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Pod now = pod(STORE + "-2");
            assertThat(now.getMetadata().getUid()).isEqualTo(victim.getMetadata().getUid());
            assertThat(container(now).getRestartCount()).isGreaterThan(restarts);
            assertThat(container(now).getLastState().getTerminated().getExitCode()).isEqualTo(137);
            assertThat(container(now).getReady()).isTrue();
        });
        Map<String, Object> status = awaitAvailable();
        assertThat(members(status)).filteredOn(m -> m.get("name").equals(STORE + "-2"))
                .singleElement().satisfies(m -> assertThat(m.get("health")).isEqualTo("healthy"));
        try (LeaseholdClient store = storeClient()) {
            assertThat(store.get(get("greeting")).getKv().getValue().toStringUtf8()).isEqualTo("hello");
        }
    }

    @Test
    @Order(4)
    void scalingThreeToFiveToThreeUnderWritesLosesNoAcknowledgedWrite() throws Exception {
        awaitAvailable();
        assertThat(members(status(store().get()))).allSatisfy(m -> assertThat(((Number) m.get("raftId")).longValue()
                / 1_000_000_000L).as("%s's id is an incarnation of its ordinal", m.get("name"))
                .isEqualTo(Long.parseLong(((String) m.get("name")).substring(STORE.length() + 1)) + 1));
        try (ContinuousWrites writes = new ContinuousWrites(storeClient(), "scale-")) {
            long started = System.nanoTime();
            kubectl(null, "patch", "rstore", STORE, "-n", NAMESPACE, "--type=merge", "-p",
                    "{\"spec\":{\"replicas\":5}}").outOrThrow();
            Map<String, Object> five = awaitMembers(5);
            System.out.printf("DevKubernetesTest: 3 -> 5 voters in %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertThat(members(five)).extracting(m -> m.get("name")).containsExactlyInAnyOrder(STORE + "-0",
                    STORE + "-1", STORE + "-2", STORE + "-3", STORE + "-4");
            assertThat(client.policy().v1().podDisruptionBudget().inNamespace(NAMESPACE).withName(STORE).get()
                    .getStatus().getExpectedPods()).as("the budget counts the five voters").isEqualTo(5);

            // make the member that goes first the leader, so the operator must move leadership before removing it
            String last = STORE + "-4";
            long lastId = members(five).stream().filter(m -> m.get("name").equals(last))
                    .map(m -> ((Number) m.get("raftId")).longValue()).findFirst().orElseThrow();
            try (ClusterApi cluster = new ClusterApi(pod(last).getStatus().getPodIP(), PORT)) {
                cluster.stub().transferLeadership(TransferLeadershipRequest.newBuilder().setTarget(lastId).build());
            }
            await().atMost(GENEROUS).until(() -> last.equals(status(store().get()).get("leader")));

            started = System.nanoTime();
            kubectl(null, "patch", "rstore", STORE, "-n", NAMESPACE, "--type=merge", "-p",
                    "{\"spec\":{\"replicas\":3}}").outOrThrow();
            Map<String, Object> three = awaitAvailable();
            await().atMost(GENEROUS).until(() -> storePods().size() == 3);
            System.out.printf("DevKubernetesTest: 5 -> 3 voters in %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertThat(three.get("leader")).isNotEqualTo(last);
            assertThat(kubectl(null, "get", "events", "-n", NAMESPACE, "--field-selector",
                    "involvedObject.name=" + STORE).outOrThrow())
                    .contains("MemberAdded").contains("MemberPromoted").contains("LeadershipMoved")
                    .contains("MemberRemoved");
            await().atMost(GENEROUS).untilAsserted(() -> assertThat(client.persistentVolumeClaims()
                    .inNamespace(NAMESPACE).list().getItems()).extracting(c -> c.getMetadata().getName())
                    .as("spec.storage.whenScaledDown: Delete").doesNotContain("data-" + STORE + "-3",
                            "data-" + STORE + "-4"));
            writes.stopAndCheck("scaling 3 -> 5 -> 3");
        }
    }

    @Test
    @Order(5)
    void anImageChangeRestartsFollowersFirstAndTheLeaderLastOneAtATimeUnderWrites() throws Exception {
        awaitAvailable();
        String firstLeader = (String) status(store().get()).get("leader");
        long termBefore = term(firstLeader);
        Map<String, String> uids = new java.util.HashMap<>();
        storePods().forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
        List<String> restartOrder = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger mostNotReady = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                List<Pod> pods = client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/instance", STORE)
                        .list().getItems();
                int notReady = STORE_REPLICAS - (int) pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp()
                        == null && container(p) != null && Boolean.TRUE.equals(container(p).getReady())).count();
                mostNotReady.accumulateAndGet(notReady, Math::max);
                for (Pod p : pods) {
                    String name = p.getMetadata().getName();
                    if (!p.getMetadata().getUid().equals(uids.get(name)) && !restartOrder.contains(name)) {
                        restartOrder.add(name);
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "roll-watcher");
        watcher.start();
        String image = "ghcr.io/leasehold/store-node:rolled-1";
        try (ContinuousWrites writes = new ContinuousWrites(storeClient(), "roll-")) {
            long started = System.nanoTime();
            kubectl(null, "patch", "rstore", STORE, "-n", NAMESPACE, "--type=merge", "-p",
                    "{\"spec\":{\"image\":\"" + image + "\"}}").outOrThrow();
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250)).until(() ->
                    storePods().size() == STORE_REPLICAS && storePods().stream().allMatch(p ->
                            image.equals(p.getSpec().getContainers().get(0).getImage()) && container(p) != null
                                    && Boolean.TRUE.equals(container(p).getReady())));
            Map<String, Object> done = awaitAvailable();
            await().atMost(GENEROUS).until(() -> "False".equals(condition(status(store().get()), "Progressing")
                    .get("status")));
            double seconds = (System.nanoTime() - started) / 1e9;
            watching.set(false);
            watcher.join();
            long elections = term((String) done.get("leader")) - termBefore;
            System.out.printf("DevKubernetesTest: rolled 3 members to %s in %.1f s, order %s (leader was %s);"
                    + " terms advanced by %d, of which 1 the operator's leadership transfer, so %d leader change(s)"
                    + " it did not cause; at most %d member(s) not ready at once%n", image, seconds, restartOrder,
                    firstLeader, elections, elections - 1, mostNotReady.get());
            assertThat(restartOrder).hasSize(3);
            assertThat(restartOrder.get(2)).as("the leader restarts last").isEqualTo(firstLeader);
            assertThat(mostNotReady.get()).as("one member at a time").isLessThanOrEqualTo(1);
            writes.stopAndCheck("the rolling upgrade");
        } finally {
            watching.set(false);
        }
    }

    @Test
    @Order(6)
    void aRestartedMemberThatDoesNotComeBackStopsTheRollAndAGoodImageRecoversIt() {
        awaitAvailable();
        Map<String, String> uids = new java.util.HashMap<>();
        storePods().forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
        kubectl(null, "patch", "rstore", STORE, "-n", NAMESPACE, "--type=merge", "-p",
                "{\"spec\":{\"image\":\"docker.io/library/busybox:1.36\",\"rollout\":{\"memberTimeoutSeconds\":10}}}")
                .outOrThrow();

        Map<String, Object> stalled = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                .until(() -> status(store().get()), s -> "RollStalled".equals(condition(s, "Degraded").get("reason")));
        System.out.printf("DevKubernetesTest: %s%n", condition(stalled, "Degraded").get("message"));
        List<Pod> restarted = storePods().stream().filter(p -> !p.getMetadata().getUid()
                .equals(uids.get(p.getMetadata().getName()))).toList();
        assertThat(restarted).as("only one Pod was restarted").singleElement().satisfies(p ->
                assertThat(container(p).getState().getWaiting().getReason()).isEqualTo("NoLocalLauncher"));
        assertThat((String) condition(stalled, "Degraded").get("message"))
                .contains(restarted.get(0).getMetadata().getName()).contains("no other Pod is touched");
        assertThat(stalled.get("phase")).as("two of three members still serve").isEqualTo("Degraded");
        try (LeaseholdClient store = storeClient()) {
            store.put(put("during-stalled-roll", "ok"));
        }

        kubectl(null, "patch", "rstore", STORE, "-n", NAMESPACE, "--type=merge", "-p",
                "{\"spec\":{\"image\":\"ghcr.io/leasehold/store-node:rolled-1\"}}").outOrThrow();
        awaitAvailable();
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(condition(status(store().get()), "Degraded"))
                .containsEntry("status", "False"));
    }

    @Test
    @Order(7)
    void aStoreOfAnImageWithoutALauncherIsReportedNotCrashedOn() {
        kubectl("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata: {name: foreign}
                spec:
                  replicas: 1
                  image: docker.io/library/busybox:1.36
                  storage: {size: 1Gi}
                """, "apply", "-n", NAMESPACE, "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            Pod pod = pod("foreign-0");
            assertThat(pod).isNotNull();
            assertThat(container(pod)).as("container status of foreign-0").isNotNull();
            assertThat(container(pod).getState().getWaiting().getReason()).isEqualTo("NoLocalLauncher");
            Map<String, Object> status = status(client.genericKubernetesResources("leasehold.dev/v1alpha1",
                    "ReplicatedStore").inNamespace(NAMESPACE).withName("foreign").get());
            assertThat(condition(status, "Available")).containsEntry("status", "False")
                    .containsEntry("reason", "NotBootstrapped");
            assertThat((String) condition(status, "Available").get("message")).contains("foreign-0 (Pod is Pending)");
        });
        // the operator still serves the other store
        awaitAvailable();
    }

    @Test
    @Order(8)
    void claimsAreHeldInTheirOrderWithIncreasingTokensAndPassOnByReleaseAndByExpiry() throws Exception {
        awaitAvailable();
        List<String> holders = List.of("first", "second", "third", "fourth", "fifth");
        try (Claims claims = new Claims(client, NAMESPACE, STORE)) {
            for (int i = 0; i < holders.size(); i++) {
                claims.create(holders.get(i), "report", 6);
                if (i == 0) {
                    claims.await(holders.get(i), "Held");
                } else {
                    assertThat(claims.await(holders.get(i), "Waiting").get("queuePosition")).isEqualTo(i);
                }
            }
            long token = ((Number) claims.get("first").get("fencingToken")).longValue();
            await().atMost(GENEROUS).until(() -> claims.acknowledged("first") > 0);
            assertThat(claims.acknowledged("first")).as("renewAck is a value the holder wrote")
                    .isLessThanOrEqualTo(claims.written("first"));

            for (int i = 1; i < holders.size(); i++) {
                String previous = holders.get(i - 1);
                long passed = System.nanoTime();
                boolean byExpiry = i == 2;
                if (byExpiry) {
                    claims.stopRenewing(previous);
                } else {
                    claims.release(previous);
                }
                Map<String, Object> next = claims.await(holders.get(i), "Held");
                System.out.printf("DevKubernetesTest: %s -> %s Held in %.0f ms (as kubectl sees it)%n",
                        byExpiry ? "holder stopped renewing (ttl 6 s)" : "released claim", holders.get(i),
                        (System.nanoTime() - passed) / 1e6);
                long nextToken = ((Number) next.get("fencingToken")).longValue();
                assertThat(nextToken).as("tokens strictly increase").isGreaterThan(token);
                token = nextToken;
                if (byExpiry) {
                    assertThat(claims.phase(previous)).as("Expired is final").isEqualTo("Expired");
                } else {
                    // the finalizer goes once the session is revoked, which may be just after the next grant
                    await().atMost(GENEROUS).until(() -> claims.get(previous) == null);
                }
                for (String later : holders.subList(i + 1, holders.size())) {
                    assertThat(claims.phase(later)).isEqualTo("Waiting");
                }
            }
            assertThat(claims.mostHeldAtOnce()).as("never two Held claims on one lock").isEqualTo(1);
        }
    }

    @Test
    @Order(9)
    void aClaimDeletedByAnotherPassesTheLockOnlyAfterTheHoldersDeadline() throws Exception {
        awaitAvailable();
        try (Claims claims = new Claims(client, NAMESPACE, STORE)) {
            claims.create("holder", "nightly", 5);
            claims.await("holder", "Held");
            claims.create("next", "nightly", 5);
            claims.await("next", "Waiting");
            await().atMost(GENEROUS).until(() -> claims.acknowledged("holder") > 0);

            // the holder's Pod went away: nobody renews, and someone else deletes the claim
            claims.stopRenewing("holder");
            long deadline = claims.deadlineNanos("holder");
            claims.delete("holder");
            while (System.nanoTime() < deadline - 200_000_000L) {
                assertThat(claims.phase("next")).as("before the holder's deadline").isEqualTo("Waiting");
                Thread.sleep(100);
            }
            claims.await("next", "Held");
            System.out.printf("DevKubernetesTest: deleted by another -> next Held %.1f s after the holder's"
                    + " deadline%n", (System.nanoTime() - deadline) / 1e9);
            await().atMost(GENEROUS).until(() -> claims.get("holder") == null);
        }
    }

    @Test
    @Order(10)
    void theJavaHelperHoldsAClaimInEitherRenewalModeAndReleasesIt() throws Exception {
        awaitAvailable();
        // the leader last: a Direct holder must find it before its session's first TTL runs out
        String leader = (String) status(store().get()).get("leader");
        List<String> endpoints = storePods().stream()
                .sorted(java.util.Comparator.comparing((Pod p) -> p.getMetadata().getName().equals(leader)))
                .map(p -> p.getStatus().getPodIP() + ":" + PORT).toList();
        try (LeaseClaim first = LeaseClaim.builder(client).namespace(NAMESPACE).name("helper-first").store(STORE)
                .lock("helper").holder("worker-0").ttl(Duration.ofSeconds(3)).create()) {
            long firstToken = first.awaitHeld(Duration.ofMinutes(1));
            try (LeaseClaim second = LeaseClaim.builder(client).namespace(NAMESPACE).name("helper-second")
                    .store(STORE).lock("helper").holder("worker-1").ttl(Duration.ofSeconds(3))
                    .renewal(LeaseClaim.Renewal.DIRECT).storeEndpoints(endpoints).create()) {
                // renewed in the background through two TTLs and more, the first holds; the second waits
                await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(30))
                        .until(() -> first.isHeld() && !second.isHeld());

                first.release();
                long secondToken = second.awaitHeld(Duration.ofMinutes(1));

                assertThat(secondToken).isGreaterThan(firstToken);
                assertThat(first.isHeld()).isFalse();
                assertThat(first.lost()).isDone();
                // Direct renewal: keep-alives straight to the store, none through the API server
                await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(30)).until(second::isHeld);
                assertThat(second.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(3));
            }
        }
    }

    @Test
    @Order(11)
    void claimsOutliveAnOperatorRestartAndAnOperatorAwayPastTheirTtlEndsThemWithoutASecondGrant() throws Exception {
        awaitAvailable();
        try (Claims claims = new Claims(client, NAMESPACE, STORE)) {
            claims.create("steady", "restart", 45);
            Map<String, Object> held = claims.await("steady", "Held");
            claims.create("behind", "restart", 45);
            Map<String, Object> waiting = claims.await("behind", "Waiting");
            await().atMost(GENEROUS).until(() -> claims.acknowledged("steady") > 0);

            long restarted = System.nanoTime();
            Pod operator = operatorPod();
            client.pods().inNamespace(DevKubernetes.RELEASE_NAMESPACE).withName(operator.getMetadata().getName())
                    .delete();
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                Pod now = operatorPod();
                return now != null && !now.getMetadata().getUid().equals(operator.getMetadata().getUid())
                        && container(now) != null && Boolean.TRUE.equals(container(now).getReady());
            });
            long before = claims.acknowledged("steady");
            await().atMost(Duration.ofMinutes(1)).until(() -> claims.acknowledged("steady") > before);
            System.out.printf("DevKubernetesTest: operator restarted; renewals acknowledged again after %.1f s%n",
                    (System.nanoTime() - restarted) / 1e9);
            assertThat(claims.get("steady")).containsEntry("phase", "Held")
                    .containsEntry("fencingToken", held.get("fencingToken"))
                    .containsEntry("sessionId", held.get("sessionId"));
            assertThat(claims.get("behind")).containsEntry("phase", "Waiting")
                    .containsEntry("sessionId", waiting.get("sessionId"));
            claims.release("steady");
            claims.release("behind");

            claims.create("short", "away", 4);
            Map<String, Object> shortHeld = claims.await("short", "Held");
            claims.create("short-behind", "away", 4);
            Map<String, Object> shortWaiting = claims.await("short-behind", "Waiting");
            var deployment = client.apps().deployments().inNamespace(DevKubernetes.RELEASE_NAMESPACE)
                    .withName(DevKubernetes.RELEASE);
            deployment.scale(0);
            await().atMost(Duration.ofMinutes(1)).until(() -> operatorPod() == null);
            Thread.sleep(6_000); // longer than the TTL: no renewal reaches the store meanwhile
            deployment.scale(1);

            claims.await("short", "Expired");
            claims.await("short-behind", "Expired");
            assertThat(claims.get("short")).containsEntry("sessionId", shortHeld.get("sessionId"));
            assertThat(claims.get("short-behind")).as("no second session after the first ended")
                    .containsEntry("sessionId", shortWaiting.get("sessionId"));
            assertThat(claims.mostHeldAtOnce()).isEqualTo(1);
            claims.create("afterwards", "away", 4);
            assertThat(((Number) claims.await("afterwards", "Held").get("fencingToken")).longValue())
                    .isGreaterThan(((Number) shortHeld.get("fencingToken")).longValue());
        }
    }

    @Test
    @Order(12)
    void aPausedHolderThatWakesUpAfterLosingTheLockHasNoFencedWriteAccepted() throws Exception {
        awaitAvailable();
        String endpoint = storePods().get(0).getStatus().getPodIP() + ":" + PORT;
        Path output = Path.of("target", "fenced-holder.log").toAbsolutePath();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), FencedHolderMain.class.getName(),
                WORK_DIR.resolve("control-plane/kubeconfig").toString(), NAMESPACE, "paused", STORE, "fenced", "4",
                endpoint).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try (Claims claims = new Claims(client, NAMESPACE, STORE)) {
            await().atMost(Duration.ofMinutes(1)).until(() -> lines(output).stream().filter(l -> l.startsWith(
                    "ACCEPTED")).count() >= 3);
            long pausedToken = Long.parseLong(lines(output).stream().filter(l -> l.startsWith("HELD ")).findFirst()
                    .orElseThrow().substring(5));
            claims.create("successor", "fenced", 4);
            claims.await("successor", "Waiting");

            signal("STOP", holder.pid());
            int linesWhenPaused = lines(output).size();
            Map<String, Object> successor = claims.await("successor", "Held");
            long successorToken = ((Number) successor.get("fencingToken")).longValue();
            signal("CONT", holder.pid());

            await().atMost(Duration.ofMinutes(1)).until(() -> lines(output).size() >= linesWhenPaused + 10);
            List<String> afterWaking = lines(output).subList(linesWhenPaused, lines(output).size());
            List<String> writes = afterWaking.stream().filter(l -> l.startsWith("ACCEPTED") || l.startsWith("REFUSED"))
                    .toList();
            // at most the one write in flight when it was stopped may have been accepted before the successor's grant;
            // every write it started after waking is refused by the store
            assertThat(writes.subList(Math.min(1, writes.size()), writes.size())).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).endsWith("FAILED_PRECONDITION"));
            System.out.printf("DevKubernetesTest: paused holder (token %d) woke after the successor got token %d:"
                    + " %d fenced writes after waking, %d accepted; helper said: %s%n", pausedToken, successorToken,
                    writes.size(), writes.stream().skip(1).filter(l -> l.startsWith("ACCEPTED")).count(),
                    afterWaking.stream().filter(l -> l.startsWith("LOST")).findFirst().orElse("(nothing)"));
            assertThat(successorToken).isGreaterThan(pausedToken);
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor()).isZero();
    }

    /** The operator's Pod, if one runs (and is not being deleted). */
    private static Pod operatorPod() {
        return client.pods().inNamespace(DevKubernetes.RELEASE_NAMESPACE).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst().orElse(null);
    }

    @Test
    @Order(13)
    void sigtermStopsEveryOneOfItsProcessesAndFreesItsAddresses() throws InterruptedException {
        awaitAvailable();
        List<ProcessHandle> started = dev.toHandle().descendants().toList();
        List<String> addresses = new ArrayList<>(storePods().stream().map(p -> p.getStatus().getPodIP()).toList());
        Pod operator = client.pods().inNamespace(DevKubernetes.RELEASE_NAMESPACE).list().getItems().get(0);
        addresses.add(operator.getStatus().getPodIP());
        // etcd, kube-apiserver, controller manager, scheduler, the operator and three store nodes (and foreign-0
        // runs nothing)
        assertThat(started).hasSizeGreaterThanOrEqualTo(8);

        long signalled = System.nanoTime();
        dev.destroy(); // SIGTERM, as Ctrl-C

        assertThat(dev.waitFor(GENEROUS.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).as("exited").isTrue();
        System.out.printf("DevKubernetesTest: stopped %d processes in %.1f s after SIGTERM%n", started.size(),
                (System.nanoTime() - signalled) / 1e9);
        assertThat(started).allSatisfy(p -> assertThat(p.isAlive()).as("pid %d (%s) alive", p.pid(),
                p.info().command().orElse("?")).isFalse());
        assertThat(addresses).allSatisfy(a -> {
            assertThat(listening(a, PORT)).as("%s:%d listening", a, PORT).isFalse();
            assertThat(listening(a, 8080)).as("%s:8080 listening", a).isFalse();
        });
    }

    /** {@code kubectl} with the dev command's kubeconfig; {@code stdin} may be null. */
    private static KubectlResult kubectl(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(Binaries.fromBuild().program("kubectl").toString(),
                "--kubeconfig=" + WORK_DIR.resolve("control-plane/kubeconfig")));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes());
            return new KubectlResult(p.waitFor(), out, err);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Resource<GenericKubernetesResource> store() {
        return client.genericKubernetesResources("leasehold.dev/v1alpha1", "ReplicatedStore").inNamespace(NAMESPACE)
                .withName(STORE);
    }

    /** Waits until the store is Available, bootstrapped, with a leader, and returns its status. */
    private static Map<String, Object> awaitAvailable() {
        return await().atMost(GENEROUS).pollInterval(Duration.ofMillis(250)).until(() -> status(store().get()),
                s -> "Available".equals(s.get("phase")) && s.get("leader") != null && s.get("clusterId") != null
                        && members(s).size() == 3 && members(s).stream().allMatch(m -> "healthy".equals(m.get("health"))));
    }

    /** The Raft term a store Pod reports. */
    private static long term(String pod) {
        try (ClusterApi cluster = new ClusterApi(pod(pod).getStatus().getPodIP(), PORT)) {
            return cluster.stub().status(StatusRequest.getDefaultInstance()).getTerm();
        }
    }

    /** Waits until the store has {@code voters} healthy voters and no learner, and returns its status. */
    private static Map<String, Object> awaitMembers(int voters) {
        return await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250))
                .until(() -> status(store().get()), s -> s.get("leader") != null && members(s).size() == voters
                        && members(s).stream().allMatch(m -> "healthy".equals(m.get("health"))
                        && "voter".equals(m.get("membership"))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource resource) {
        Object status = resource == null ? null : resource.getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> members(Map<String, Object> status) {
        return (List<Map<String, Object>>) status.getOrDefault("members", List.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(Map<String, Object> status, String type) {
        return ((List<Map<String, Object>>) status.getOrDefault("conditions", List.of())).stream()
                .filter(c -> type.equals(c.get("type"))).findFirst().orElse(Map.of());
    }

    private static List<Pod> storePods() {
        return client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/instance", STORE).list().getItems()
                .stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private static ContainerStatus container(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                || pod.getStatus().getContainerStatuses().isEmpty() ? null
                : pod.getStatus().getContainerStatuses().get(0);
    }

    private static long pid(Pod pod, String container) {
        Path file = WORK_DIR.resolve("node/pods").resolve(pod.getMetadata().getUid()).resolve(container + ".pid");
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException e) {
            throw new AssertionError("no pid file " + file, e);
        }
    }

    private static boolean listening(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static LeaseholdClient storeClient() {
        return new LeaseholdClient(storePods().stream().map(p -> p.getStatus().getPodIP()).filter(Objects::nonNull)
                .map(ip -> new Endpoint(ip, PORT)).toList());
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .build();
    }

    private static GetRequest get(String key) {
        return GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build();
    }
}
