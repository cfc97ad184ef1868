package dev.leasehold.operator.model;

import static dev.leasehold.operator.model.Stores.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.operator.store.RaftTiming;
import dev.leasehold.operator.store.ReplicatedStoreSpec;
import dev.leasehold.operator.store.Storage;
import dev.leasehold.operator.store.Scheduling;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreModelTest {

    private static final AppliedSpec THREE = new AppliedSpec(3, "example.test/store:1");

    @Test
    void theConfigMapCarriesTheNodeConfigurationAndNeverTheMembership() {
        var data = StoreModel.configMap(Stores.withRaft(new RaftTiming(50, 600, 5000L))).getData();

        assertThat(data).containsEntry("LEASEHOLD_TICK", "50ms")
                .containsEntry("LEASEHOLD_HEARTBEAT_TICKS", "1")
                .containsEntry("LEASEHOLD_ELECTION_TICKS", "12")
                .containsEntry("LEASEHOLD_SNAPSHOT_THRESHOLD", "5000")
                .containsEntry("LEASEHOLD_LISTEN", "0.0.0.0:7001")
                .containsEntry("LEASEHOLD_DATA_DIR", "/var/lib/leasehold/data")
                .containsEntry("LEASEHOLD_JOIN", "true");
        assertThat(data.keySet()).doesNotContain("LEASEHOLD_PEERS", "LEASEHOLD_REPLICAS", "LEASEHOLD_PEER_SERVICE");
    }

    @Test
    void raftDefaultsApplyWhenTheSpecHasNoRaftSection() {
        var data = StoreModel.configMap(store(3)).getData();

        assertThat(data).containsEntry("LEASEHOLD_TICK", "100ms").containsEntry("LEASEHOLD_ELECTION_TICKS", "10")
                .containsEntry("LEASEHOLD_SNAPSHOT_THRESHOLD", "10000");
    }

    @Test
    void thePeerServiceIsHeadlessAndPublishesPodsBeforeTheyAreReady() {
        var service = StoreModel.peerService(store(3));

        assertThat(service.getMetadata().getName()).isEqualTo("locks-peers");
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(service.getSpec().getSelector()).isEqualTo(StoreModel.selectorLabels(store(3)));
        assertThat(service.getSpec().getPorts()).extracting("name", "port").containsExactly(
                org.assertj.core.groups.Tuple.tuple("grpc", 7001), org.assertj.core.groups.Tuple.tuple("metrics", 9090));
    }

    @Test
    void theClientServiceRoutesToReadyNodesOnTheGrpcPort() {
        var service = StoreModel.clientService(store(3));

        assertThat(service.getMetadata().getName()).isEqualTo("locks");
        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPublishNotReadyAddresses()).isNull();
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getPort()).isEqualTo(7001));
    }

    @Test
    void theStatefulSetStartsPodsInParallelAndLeavesRestartsToTheOperator() {
        var spec = StoreModel.statefulSet(store(3), THREE).getSpec();

        assertThat(spec.getReplicas()).isEqualTo(3);
        assertThat(spec.getServiceName()).isEqualTo("locks-peers");
        assertThat(spec.getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(spec.getUpdateStrategy().getType()).isEqualTo("OnDelete");
        assertThat(spec.getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
        assertThat(spec.getPersistentVolumeClaimRetentionPolicy().getWhenScaled())
                .as("a member removed by a scale-down takes its claim with it, by default").isEqualTo("Delete");
        assertThat(StoreModel.statefulSet(store(new ReplicatedStoreSpec(3, null, new Storage(new Quantity("1Gi"), null,
                Storage.ClaimPolicy.Retain), null, null, null, null)), THREE).getSpec()
                .getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
        assertThat(spec.getSelector().getMatchLabels()).isEqualTo(StoreModel.selectorLabels(store(3)));
        assertThat(spec.getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(StoreModel.selectorLabels(store(3)))
                .doesNotContainKey(StoreModel.VOTER_LABEL);
    }

    @Test
    void aChangeOfTheNodeConfigurationIsANewPodTemplateSoItIsRolledOut() {
        String digest = StoreModel.statefulSet(store(3), THREE).getSpec().getTemplate().getMetadata()
                .getAnnotations().get(StoreModel.CONFIG_DIGEST_ANNOTATION);
        String retimed = StoreModel.statefulSet(Stores.withRaft(new RaftTiming(50, 500, 10_000L)), THREE).getSpec()
                .getTemplate().getMetadata().getAnnotations().get(StoreModel.CONFIG_DIGEST_ANNOTATION);

        assertThat(digest).hasSize(16).isEqualTo(StoreModel.statefulSet(store(3), THREE).getSpec().getTemplate()
                .getMetadata().getAnnotations().get(StoreModel.CONFIG_DIGEST_ANNOTATION));
        assertThat(retimed).isNotEqualTo(digest);
    }

    @Test
    void storePodsGetNoApiCredentials() {
        PodSpec pod = StoreModel.statefulSet(store(3), THREE).getSpec().getTemplate().getSpec();

        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getServiceAccountName()).isEqualTo("locks");
        assertThat(StoreModel.serviceAccount(store(3)).getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void theContainerHasTheProbesOfTheDesign() {
        Container container = container(StoreModel.statefulSet(store(3), THREE));

        assertThat(container.getLivenessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(7001);
        assertThat(container.getReadinessProbe().getGrpc().getPort()).isEqualTo(7001);
        assertThat(container.getReadinessProbe().getGrpc().getService()).isNull();
        assertThat(container.getStartupProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(7001);
        // ten minutes of log replay before liveness may restart the node
        assertThat(container.getStartupProbe().getPeriodSeconds() * container.getStartupProbe()
                .getFailureThreshold()).isEqualTo(600);
    }

    @Test
    void theContainerTakesItsIdentityAndPathsFromTheEnvironment() {
        Container container = container(StoreModel.statefulSet(store(3), THREE));

        assertThat(container.getImage()).isEqualTo("example.test/store:1");
        assertThat(container.getEnv()).extracting(EnvVar::getName)
                .containsExactly("LEASEHOLD_POD_NAME", "LEASEHOLD_POD_NAMESPACE", "LEASEHOLD_ADVERTISE");
        assertThat(container.getEnv().get(0).getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(container.getEnv().get(2).getValue())
                .isEqualTo("$(LEASEHOLD_POD_NAME).locks-peers.$(LEASEHOLD_POD_NAMESPACE).svc:7001");
        assertThat(container.getEnvFrom()).singleElement()
                .satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("locks-config"));
        assertThat(container.getVolumeMounts()).extracting("name", "mountPath").contains(
                org.assertj.core.groups.Tuple.tuple("data", "/var/lib/leasehold"));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }

    @Test
    void eachNodeClaimsTheVolumeTheSpecAsksFor() {
        var claim = StoreModel.statefulSet(store(3), THREE).getSpec().getVolumeClaimTemplates().get(0);

        assertThat(claim.getMetadata().getName()).isEqualTo("data");
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
        assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("2Gi"));
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    }

    @Test
    void podsAreSpreadAcrossHostnamesWhenPossibleByDefault() {
        PodSpec pod = StoreModel.statefulSet(store(3), THREE).getSpec().getTemplate().getSpec();

        assertThat(pod.getTopologySpreadConstraints()).singleElement().satisfies(c -> {
            assertThat(c.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(c.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(c.getMaxSkew()).isEqualTo(1);
        });
    }

    @Test
    void schedulingFromTheSpecReplacesTheDefaultSpread() {
        var spread = new TopologySpreadConstraintBuilder().withMaxSkew(1).withTopologyKey("topology.kubernetes.io/zone")
                .withWhenUnsatisfiable("DoNotSchedule").build();
        var toleration = new TolerationBuilder().withKey("dedicated").withValue("locks").withEffect("NoSchedule")
                .build();
        var store = Stores.withScheduling(new Scheduling(null, List.of(toleration), Map.of("disk", "ssd"),
                List.of(spread)));

        PodSpec pod = StoreModel.statefulSet(store, THREE).getSpec().getTemplate().getSpec();

        assertThat(pod.getTopologySpreadConstraints()).containsExactly(spread);
        assertThat(pod.getTolerations()).containsExactly(toleration);
        assertThat(pod.getNodeSelector()).containsExactly(Map.entry("disk", "ssd"));
    }

    @Test
    void theDisruptionBudgetKeepsAQuorumOfVoters() {
        var budget = StoreModel.podDisruptionBudget(store(5), new AppliedSpec(5, "i"));

        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isEqualTo(3);
        assertThat(budget.getSpec().getSelector().getMatchLabels()).containsEntry(StoreModel.VOTER_LABEL, "true")
                .containsAllEntriesOf(StoreModel.selectorLabels(store(5)));
    }

    @Test
    void everyObjectLivesInTheStoresNamespaceWithItsLabels() {
        var store = store(3);
        for (var object : List.of(StoreModel.configMap(store), StoreModel.peerService(store),
                StoreModel.clientService(store), StoreModel.serviceAccount(store),
                StoreModel.statefulSet(store, THREE), StoreModel.podDisruptionBudget(store, THREE))) {
            assertThat(object.getMetadata().getNamespace()).isEqualTo("team-a");
            assertThat(object.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "locks")
                    .containsEntry("app.kubernetes.io/managed-by", "leasehold-operator");
        }
    }

    private static Container container(StatefulSet statefulSet) {
        return StoreModel.storeContainer(statefulSet);
    }
}
