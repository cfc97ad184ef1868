package dev.leasehold.operator.model;

import dev.leasehold.operator.store.RaftTiming;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.Scheduling;
import dev.leasehold.operator.store.Storage;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes objects a {@link ReplicatedStore} owns, as pure functions of the store (and of what the operator
 * decided to apply): no client, no cluster, so each is unit-tested alone. The names of the objects and their labels
 * are the contract with the store nodes and with the operator's other parts.
 */
public final class StoreModel {

    public static final int GRPC_PORT = 7001;
    public static final int METRICS_PORT = 9090;
    public static final String CONTAINER = "store-node";
    public static final String DATA_VOLUME = "data";
    public static final String DATA_MOUNT = "/var/lib/leasehold";
    static final String TMP_VOLUME = "tmp";
    /** Kept by the operator on the Pods of Raft voters; the PodDisruptionBudget counts only these. */
    public static final String VOTER_LABEL = "leasehold.dev/voter";
    /**
     * On the StatefulSet: the replicas the operator applied. A hand edit of the StatefulSet (such as
     * {@code kubectl scale}) is put back to these, and scaling steps from them, not from whatever the StatefulSet
     * says now.
     */
    public static final String APPLIED_REPLICAS_ANNOTATION = "leasehold.dev/applied-replicas";
    /**
     * On the Pod template: a digest of the node configuration (the ConfigMap the nodes read at start), so that a
     * change of it, such as Raft timing, is a new revision that {@link RollPlan} rolls out like an image change.
     */
    public static final String CONFIG_DIGEST_ANNOTATION = "leasehold.dev/config-digest";

    static final String NAME_LABEL = "app.kubernetes.io/name";
    static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    private StoreModel() {
    }

    /** The labels that select a store's Pods (and nothing else's). */
    public static Map<String, String> selectorLabels(ReplicatedStore store) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, "leasehold-store");
        labels.put(INSTANCE_LABEL, store.getMetadata().getName());
        labels.put(COMPONENT_LABEL, "store-node");
        return labels;
    }

    static Map<String, String> labels(ReplicatedStore store) {
        Map<String, String> labels = selectorLabels(store);
        labels.put(MANAGED_BY_LABEL, "leasehold-operator");
        return labels;
    }

    public static String peerServiceName(ReplicatedStore store) {
        return store.getMetadata().getName() + "-peers";
    }

    /**
     * The address a store Pod advertises and is reached at: its name under the headless peer Service. (The node's
     * {@code LEASEHOLD_ADVERTISE} is the same, built from the Pod's env.)
     */
    public static String memberAddress(ReplicatedStore store, String pod) {
        return pod + "." + peerServiceName(store) + "." + store.getMetadata().getNamespace() + ".svc:" + GRPC_PORT;
    }

    /** The ordinal of a StatefulSet Pod name such as {@code locks-2}; -1 when it has none. */
    public static int ordinal(String pod) {
        int dash = pod.lastIndexOf('-');
        try {
            return dash < 0 ? -1 : Integer.parseInt(pod.substring(dash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The Pod name in a {@link #memberAddress}; the address itself when it is not one. */
    public static String podOfAddress(String address) {
        int dot = address.indexOf('.');
        return dot > 0 ? address.substring(0, dot) : address;
    }

    public static String configMapName(ReplicatedStore store) {
        return store.getMetadata().getName() + "-config";
    }

    private static ObjectMeta metadata(ReplicatedStore store, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(store.getMetadata().getNamespace())
                .withLabels(labels(store))
                .build();
    }

    /**
     * The node configuration, read by every node as environment variables. Never the membership: that lives in the
     * Raft log. Nodes never bootstrap themselves ({@code LEASEHOLD_JOIN}); the operator bootstraps a new store.
     */
    public static ConfigMap configMap(ReplicatedStore store) {
        RaftTiming raft = store.getSpec().raftOrDefaults();
        Map<String, String> data = new LinkedHashMap<>();
        data.put("LEASEHOLD_LISTEN", "0.0.0.0:" + GRPC_PORT);
        data.put("LEASEHOLD_METRICS_LISTEN", "0.0.0.0:" + METRICS_PORT);
        data.put("LEASEHOLD_DATA_DIR", DATA_MOUNT + "/data");
        data.put("LEASEHOLD_JOIN", "true");
        data.put("LEASEHOLD_TICK", raft.heartbeatMillis() + "ms");
        data.put("LEASEHOLD_HEARTBEAT_TICKS", "1");
        data.put("LEASEHOLD_ELECTION_TICKS", Integer.toString(raft.electionTicks()));
        data.put("LEASEHOLD_SNAPSHOT_THRESHOLD", Long.toString(raft.snapshotThreshold()));
        return new ConfigMapBuilder()
                .withMetadata(metadata(store, configMapName(store)))
                .withData(data)
                .build();
    }

    /** A digest of the node configuration: equal for equal ConfigMap data, in any order. */
    static String configDigest(ReplicatedStore store) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(configMap(store).getData()).forEach((k, v) -> sha.update((k + "=" + v + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Peer DNS: {@code POD.NAME-peers.NAMESPACE.svc}, published before a Pod is ready so that peers find it. */
    public static Service peerService(ReplicatedStore store) {
        return new ServiceBuilder()
                .withMetadata(metadata(store, peerServiceName(store)))
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(selectorLabels(store))
                .withPorts(port("grpc", GRPC_PORT), port("metrics", METRICS_PORT))
                .endSpec()
                .build();
    }

    /** What clients connect to: ready nodes only (any node forwards writes to the leader). */
    public static Service clientService(ReplicatedStore store) {
        return new ServiceBuilder()
                .withMetadata(metadata(store, store.getMetadata().getName()))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selectorLabels(store))
                .withPorts(port("grpc", GRPC_PORT))
                .endSpec()
                .build();
    }

    private static ServicePort port(String name, int port) {
        return new ServicePortBuilder()
                .withName(name)
                .withPort(port)
                .withTargetPort(new IntOrString(name))
                .withProtocol("TCP")
                .withAppProtocol(name.equals("grpc") ? "kubernetes.io/h2c" : "http")
                .build();
    }

    /** The store nodes' identity: no API rights, and Pods do not mount its token. */
    public static ServiceAccount serviceAccount(ReplicatedStore store) {
        return new ServiceAccountBuilder()
                .withMetadata(metadata(store, store.getMetadata().getName()))
                .withAutomountServiceAccountToken(false)
                .build();
    }

    /**
     * The store nodes. Parallel Pod management (peers must all start to form a quorum) and OnDelete updates: the
     * operator decides when each Pod restarts. Volumes are kept when the store is deleted; on a scale-down, the claim
     * of a member already removed from Raft goes as {@code spec.storage.whenScaledDown} says.
     */
    public static StatefulSet statefulSet(ReplicatedStore store, AppliedSpec applied) {
        Storage storage = store.getSpec().storage();
        Scheduling scheduling = store.getSpec().schedulingOrEmpty();
        return new StatefulSetBuilder()
                .withMetadata(metadata(store, store.getMetadata().getName()))
                .editMetadata()
                .addToAnnotations(APPLIED_REPLICAS_ANNOTATION, Integer.toString(applied.replicas()))
                .endMetadata()
                .withNewSpec()
                .withReplicas(applied.replicas())
                .withServiceName(peerServiceName(store))
                .withPodManagementPolicy("Parallel")
                .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewPersistentVolumeClaimRetentionPolicy()
                .withWhenDeleted("Retain")
                .withWhenScaled(storage.whenScaledDownOrDefault().name())
                .endPersistentVolumeClaimRetentionPolicy()
                .withSelector(new LabelSelectorBuilder().withMatchLabels(selectorLabels(store)).build())
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(store))
                .addToAnnotations(CONFIG_DIGEST_ANNOTATION, configDigest(store))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(store.getMetadata().getName())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(30L)
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(10001L)
                .withFsGroup(10001L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withContainers(container(store, applied.image()))
                // the root file system is read-only; the JVM and RocksDB's native library need a scratch /tmp
                .addNewVolume().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().endVolume()
                .withAffinity(scheduling.affinity())
                .withTolerations(scheduling.tolerations())
                .withNodeSelector(scheduling.nodeSelector())
                .withTopologySpreadConstraints(scheduling.topologySpreadConstraints() != null
                        ? scheduling.topologySpreadConstraints() : List.of(preferredSpread(store)))
                .endSpec()
                .endTemplate()
                .withVolumeClaimTemplates(new PersistentVolumeClaimBuilder()
                        .withNewMetadata().withName(DATA_VOLUME).withLabels(selectorLabels(store)).endMetadata()
                        .withNewSpec()
                        .withAccessModes("ReadWriteOnce")
                        .withStorageClassName(storage.storageClassName())
                        .withNewResources().addToRequests("storage", storage.size()).endResources()
                        .endSpec()
                        .build())
                .endSpec()
                .build();
    }

    private static Container container(ReplicatedStore store, String image) {
        String advertise = "$(LEASEHOLD_POD_NAME)." + peerServiceName(store) + ".$(LEASEHOLD_POD_NAMESPACE).svc:"
                + GRPC_PORT;
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .addNewPort().withName("grpc").withContainerPort(GRPC_PORT).withProtocol("TCP").endPort()
                .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").endPort()
                .addNewEnv().withName("LEASEHOLD_POD_NAME")
                .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endValueFrom()
                .endEnv()
                .addNewEnv().withName("LEASEHOLD_POD_NAMESPACE")
                .withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace").endFieldRef()
                .endValueFrom()
                .endEnv()
                .addNewEnv().withName("LEASEHOLD_ADVERTISE").withValue(advertise).endEnv()
                .addNewEnvFrom().withNewConfigMapRef().withName(configMapName(store)).endConfigMapRef().endEnvFrom()
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName(TMP_VOLUME).withMountPath("/tmp").endVolumeMount()
                .withResources(store.getSpec().resources())
                .withLivenessProbe(tcpProbe(10, 3))
                .withReadinessProbe(new ProbeBuilder()
                        .withNewGrpc().withPort(GRPC_PORT).endGrpc()
                        .withPeriodSeconds(5)
                        .withTimeoutSeconds(2)
                        .withFailureThreshold(2)
                        .build())
                // log replay after a restart may take a while; liveness starts counting only after this passes
                .withStartupProbe(tcpProbe(5, 120))
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .build();
    }

    private static Probe tcpProbe(int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewTcpSocket().withPort(new IntOrString(GRPC_PORT)).endTcpSocket()
                .withPeriodSeconds(periodSeconds)
                .withTimeoutSeconds(2)
                .withFailureThreshold(failureThreshold)
                .build();
    }

    private static TopologySpreadConstraint preferredSpread(ReplicatedStore store) {
        return new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(selectorLabels(store)).build())
                .build();
    }

    /**
     * Keeps a quorum of voters up through voluntary disruptions (node drains). Only for more than one replica: with
     * one, {@code minAvailable: 1} would block every drain forever, and a one-node store is down during any restart
     * anyway.
     */
    public static PodDisruptionBudget podDisruptionBudget(ReplicatedStore store, AppliedSpec applied) {
        Map<String, String> voters = selectorLabels(store);
        voters.put(VOTER_LABEL, "true");
        return new PodDisruptionBudgetBuilder()
                .withMetadata(metadata(store, store.getMetadata().getName()))
                .withNewSpec()
                .withMinAvailable(new IntOrString(applied.quorum()))
                .withSelector(new LabelSelectorBuilder().withMatchLabels(voters).build())
                .endSpec()
                .build();
    }

    /** The store node container of a StatefulSet the operator made. */
    public static Container storeContainer(StatefulSet statefulSet) {
        return statefulSet.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(CONTAINER))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("StatefulSet " + statefulSet.getMetadata().getName()
                        + " has no container " + CONTAINER));
    }
}
