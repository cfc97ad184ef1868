package dev.leasehold.operator;

import static dev.leasehold.operator.OperatorTestSupport.GENEROUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.operator.model.AppliedSpec;
import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.model.StoreStatusModel;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.testenv.ControlPlane;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ReplicatedStore reconciler against a real API server, controller manager and scheduler (no kubelet). */
@QuarkusTest
class ReplicatedStoreReconcilerTest {

    static final String NAMESPACE = "store-reconciler";

    @Inject
    KubernetesClient client;

    @ConfigProperty(name = "leasehold.store.default-image")
    String defaultImage;

    ControlPlane plane = ControlPlaneResource.plane();

    @BeforeAll
    static void namespace() {
        OperatorTestSupport.namespace(NAMESPACE);
    }

    @Test
    void creatingAStoreProducesEveryOwnedObjectAsTheBuildersDescribe() {
        ReplicatedStore store = create("alpha", 3);
        AppliedSpec applied = new AppliedSpec(3, defaultImage);

        ConfigMap configMap = eventually(() -> get(ConfigMap.class, "alpha-config"));
        Service peers = eventually(() -> get(Service.class, "alpha-peers"));
        Service clients = eventually(() -> get(Service.class, "alpha"));
        ServiceAccount account = eventually(() -> get(ServiceAccount.class, "alpha"));
        StatefulSet statefulSet = eventually(() -> get(StatefulSet.class, "alpha"));
        PodDisruptionBudget budget = eventually(() -> get(PodDisruptionBudget.class, "alpha"));

        FieldByField.assertHasEveryField(configMap.getData(), StoreModel.configMap(store).getData(), "configMap.data");
        FieldByField.assertHasEveryField(peers.getSpec(), StoreModel.peerService(store).getSpec(), "peers.spec");
        FieldByField.assertHasEveryField(clients.getSpec(), StoreModel.clientService(store).getSpec(),
                "clients.spec");
        assertThat(account.getAutomountServiceAccountToken()).isFalse();
        FieldByField.assertHasEveryField(statefulSet.getSpec(), StoreModel.statefulSet(store, applied).getSpec(),
                "statefulSet.spec");
        FieldByField.assertHasEveryField(budget.getSpec(), StoreModel.podDisruptionBudget(store, applied).getSpec(),
                "budget.spec");
        for (HasMetadata owned : List.of(configMap, peers, clients, account, statefulSet, budget)) {
            FieldByField.assertHasEveryField(owned.getMetadata().getLabels(),
                    StoreModel.configMap(store).getMetadata().getLabels(), owned.getKind() + ".labels");
            assertThat(owned.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                assertThat(owner.getUid()).isEqualTo(store.getMetadata().getUid());
                assertThat(owner.getKind()).isEqualTo("ReplicatedStore");
            });
        }
    }

    @Test
    void everyOwnedObjectHasOneFieldManagerAndTheStatefulSetIsServerSideApplied() {
        create("managed", 3);

        StatefulSet statefulSet = eventually(() -> get(StatefulSet.class, "managed"));
        ConfigMap configMap = eventually(() -> get(ConfigMap.class, "managed-config"));

        assertThat(managers(statefulSet)).contains("leasehold-operator/Apply");
        assertThat(managers(configMap)).containsExactly("leasehold-operator/Apply");
    }

    @Test
    void theStatefulSetsPodsAreScheduledAndTheVotersLabelled() {
        create("bravo", 3);

        await().atMost(GENEROUS).untilAsserted(() -> assertThat(pods("bravo"))
                .extracting(p -> p.getMetadata().getName() + "@" + p.getSpec().getNodeName() + " voter="
                        + p.getMetadata().getLabels().get(StoreModel.VOTER_LABEL))
                .containsExactlyInAnyOrder("bravo-0@node-a voter=true", "bravo-1@node-a voter=true",
                        "bravo-2@node-a voter=true"));
    }

    @Test
    void whileNoMemberAnswersTheStatusSaysSo() {
        create("charlie", 3);

        await().atMost(GENEROUS).untilAsserted(() -> {
            ReplicatedStore store = store("charlie");
            assertThat(store.getStatus()).isNotNull();
            assertThat(store.getStatus().observedGeneration()).isEqualTo(store.getMetadata().getGeneration());
            assertThat(store.getStatus().phase()).isEqualTo("Pending");
            assertThat(store.getStatus().currentImage()).isEqualTo(defaultImage);
            assertThat(condition(store, "Available")).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                // the Pods exist but no node runs them here: the store waits for them to bootstrap it
                assertThat(c.getReason()).isEqualTo("NotBootstrapped");
                assertThat(c.getMessage()).startsWith("waiting for every initial member to answer before "
                        + "bootstrapping; not yet: charlie-0 (Pod is ").contains("charlie-2 (");
            });
            assertThat(store.getStatus().clusterId()).isNull();
            assertThat(condition(store, "Progressing").getStatus()).isEqualTo("True");
        });
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(events("charlie"))
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Created")));
    }

    @Test
    void aSpecChangeIsAppliedAndTheStatusFollowsItsGeneration() {
        create("delta", 3);
        await().atMost(GENEROUS).until(() -> store("delta").getStatus() != null);

        patch("replicatedstore", "delta", "{\"spec\":{\"raft\":{\"heartbeatMillis\":200,"
                + "\"electionTimeoutMillis\":3000}}}");

        await().atMost(GENEROUS).untilAsserted(() -> {
            assertThat(get(ConfigMap.class, "delta-config").getData())
                    .containsEntry("LEASEHOLD_TICK", "200ms").containsEntry("LEASEHOLD_ELECTION_TICKS", "15");
            ReplicatedStore store = store("delta");
            assertThat(store.getMetadata().getGeneration()).isEqualTo(2L);
            assertThat(store.getStatus().observedGeneration()).isEqualTo(2L);
        });
    }

    @Test
    void aScaleUpWaitsForABootstrappedStoreAndNeverScalesTheStatefulSetBlindly() {
        create("echo", 3);
        eventually(() -> get(StatefulSet.class, "echo"));

        patch("replicatedstore", "echo", "{\"spec\":{\"replicas\":5}}");

        await().atMost(GENEROUS).untilAsserted(() -> {
            ReplicatedStore store = store("echo");
            assertThat(store.getStatus()).isNotNull();
            assertThat(store.getStatus().observedGeneration()).isEqualTo(2L);
            assertThat(condition(store, "Progressing")).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("Scaling");
                assertThat(c.getMessage()).isEqualTo("to 5 members, one at a time: scaling waits until the store is"
                        + " bootstrapped");
            });
        });
        assertThat(get(StatefulSet.class, "echo").getSpec().getReplicas()).isEqualTo(3);
        assertThat(get(PodDisruptionBudget.class, "echo").getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
    }

    @Test
    void aHandEditedOwnedObjectIsPutBack() {
        create("foxtrot", 3);
        eventually(() -> get(StatefulSet.class, "foxtrot"));
        eventually(() -> get(ConfigMap.class, "foxtrot-config"));

        patch("configmap", "foxtrot-config", "{\"data\":{\"LEASEHOLD_TICK\":\"1ms\"}}");
        plane.kubectl("scale", "statefulset", "foxtrot", "-n", NAMESPACE, "--replicas=1").outOrThrow();
        plane.kubectl("set", "image", "statefulset/foxtrot", "-n", NAMESPACE, "store-node=example.test/other:9")
                .outOrThrow();
        patch("service", "foxtrot-peers", "{\"spec\":{\"publishNotReadyAddresses\":false}}");

        await().atMost(GENEROUS).untilAsserted(() -> {
            assertThat(get(ConfigMap.class, "foxtrot-config").getData()).containsEntry("LEASEHOLD_TICK", "100ms");
            StatefulSet statefulSet = get(StatefulSet.class, "foxtrot");
            assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(3);
            assertThat(StoreModel.storeContainer(statefulSet).getImage()).isEqualTo(defaultImage);
            assertThat(get(Service.class, "foxtrot-peers").getSpec().getPublishNotReadyAddresses()).isTrue();
        });
    }

    @Test
    void aOneNodeStoreGetsNoDisruptionBudget() {
        create("golf", 1);

        StatefulSet statefulSet = eventually(() -> get(StatefulSet.class, "golf"));
        await().atMost(GENEROUS).until(() -> store("golf").getStatus() != null);

        assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(1);
        assertThat(get(PodDisruptionBudget.class, "golf")).isNull();
    }

    @Test
    void deletingTheStoreCascadesToEverythingItOwns() {
        create("hotel", 3);
        eventually(() -> get(StatefulSet.class, "hotel"));
        eventually(() -> get(PodDisruptionBudget.class, "hotel"));
        await().atMost(GENEROUS).until(() -> pods("hotel").size() == 3);

        plane.kubectl("delete", "replicatedstore", "hotel", "-n", NAMESPACE).outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            assertThat(get(StatefulSet.class, "hotel")).isNull();
            assertThat(get(ConfigMap.class, "hotel-config")).isNull();
            assertThat(get(Service.class, "hotel-peers")).isNull();
            assertThat(get(Service.class, "hotel")).isNull();
            assertThat(get(ServiceAccount.class, "hotel")).isNull();
            assertThat(get(PodDisruptionBudget.class, "hotel")).isNull();
            // no kubelet confirms, so the Pods stay Terminating: the garbage collector's part is to delete them
            assertThat(pods("hotel")).allSatisfy(p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
        });
    }

    @Test
    void aStoreKubernetesRefusesIsDegradedWithTheApiServersReason() {
        plane.kubectlWithInput("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata:
                  name: india
                  namespace: %s
                spec:
                  storage: {size: 1Gi}
                  resources:
                    requests: {cpu: "2"}
                    limits: {cpu: "1"}
                """.formatted(NAMESPACE), "apply", "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            ReplicatedStore store = store("india");
            assertThat(store.getStatus()).isNotNull();
            assertThat(condition(store, "Degraded")).satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getReason()).isEqualTo("ReconcileFailed");
                assertThat(c.getMessage()).startsWith("statefulset: StatefulSet.apps \"india\" is invalid")
                        .contains("must be less than or equal to cpu limit");
            });
            assertThat(events("india")).anySatisfy(e -> {
                assertThat(e.getReason()).isEqualTo("ReconcileFailed");
                assertThat(e.getType()).isEqualTo("Warning");
            });
        });
        assertThat(get(StatefulSet.class, "india")).isNull();
    }

    private ReplicatedStore create(String name, int replicas) {
        plane.kubectlWithInput("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  replicas: %d
                  storage:
                    size: 1Gi
                """.formatted(name, NAMESPACE, replicas), "apply", "-f", "-").outOrThrow();
        return store(name);
    }

    private ReplicatedStore store(String name) {
        return client.resources(ReplicatedStore.class).inNamespace(NAMESPACE).withName(name).get();
    }

    private <T extends HasMetadata> T get(Class<T> type, String name) {
        return client.resources(type).inNamespace(NAMESPACE).withName(name).get();
    }

    private static <T> T eventually(Supplier<T> get) {
        return org.awaitility.Awaitility.await().atMost(GENEROUS).until(get::get, Objects::nonNull);
    }

    private void patch(String kind, String name, String mergePatch) {
        plane.kubectl("patch", kind, name, "-n", NAMESPACE, "--type=merge", "-p", mergePatch).outOrThrow();
    }

    private List<Pod> pods(String store) {
        return client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/instance", store).list()
                .getItems();
    }

    private List<Event> events(String store) {
        return client.resources(Event.class).inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> e.getRegarding() != null && store.equals(e.getRegarding().getName()))
                .toList();
    }

    private static List<String> managers(HasMetadata object) {
        return object.getMetadata().getManagedFields().stream()
                .filter(m -> m.getSubresource() == null || m.getSubresource().isEmpty())
                .map(m -> m.getManager() + "/" + m.getOperation())
                .toList();
    }

    private static Condition condition(ReplicatedStore store, String type) {
        return StoreStatusModel.condition(store.getStatus(), type).orElseThrow(() ->
                new AssertionError("no condition " + type + " in " + store.getStatus()));
    }
}
