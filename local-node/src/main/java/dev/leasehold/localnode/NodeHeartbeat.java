package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Registers the Node and keeps it alive the way a kubelet does: its status (Ready, capacity, addresses) with a fresh
 * heartbeat time, and its Lease in {@code kube-node-lease}, which the node lifecycle controller watches.
 */
final class NodeHeartbeat {

    static final String FIELD_MANAGER = "leasehold-local-node";
    static final String NODE_LEASE_NAMESPACE = "kube-node-lease";
    static final int LEASE_SECONDS = 40;
    /** Room for 5 store Pods and 2 operator Pods with their requests, and more. */
    static final Map<String, Quantity> CAPACITY = Map.of(
            "cpu", new Quantity("16"),
            "memory", new Quantity("64Gi"),
            "ephemeral-storage", new Quantity("100Gi"),
            "pods", new Quantity("32"));

    private final KubernetesClient client;
    private final NodeSettings settings;
    private final Clock clock;
    private final String readySince;

    NodeHeartbeat(KubernetesClient client, NodeSettings settings, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.readySince = seconds(clock.instant());
    }

    /**
     * Creates the Node (or takes over one of the same name left by an earlier run) and reports it Ready. The API
     * server taints a new Node {@code node.kubernetes.io/not-ready}; the node lifecycle controller lifts that once
     * the Node is Ready, and where it does not run this node lifts it itself.
     */
    void register() {
        client.nodes().resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(settings.name())
                        .addToLabels("kubernetes.io/hostname", settings.name())
                        .addToLabels("kubernetes.io/os", "linux")
                        .addToLabels("leasehold.dev/local-node", "true")
                        .endMetadata()
                        .build())
                .fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        beat();
        client.nodes().withName(settings.name()).edit(node -> {
            if (node.getSpec().getTaints() != null) {
                node.getSpec().getTaints().removeIf(t -> t.getKey().equals("node.kubernetes.io/not-ready"));
            }
            return node;
        });
    }

    /** One heartbeat: the Node's status, then its Lease. */
    void beat() {
        Instant now = clock.instant();
        NodeStatus status = new NodeStatusBuilder()
                .withCapacity(CAPACITY)
                .withAllocatable(CAPACITY)
                .withConditions(condition("Ready", "True", "KubeletReady", "the local node runs Pods as processes",
                                now),
                        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "no memory pressure", now),
                        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "no disk pressure", now),
                        condition("PIDPressure", "False", "KubeletHasSufficientPID", "no PID pressure", now))
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .addNewAddress().withType("Hostname").withAddress(settings.name()).endAddress()
                .withNewNodeInfo()
                .withOperatingSystem("linux")
                .withArchitecture(System.getProperty("os.arch"))
                .withKubeletVersion("leasehold-local-node")
                .withContainerRuntimeVersion("process://")
                .withKernelVersion(System.getProperty("os.version"))
                .withOsImage(System.getProperty("os.name"))
                .withBootID("").withMachineID("").withSystemUUID("").withKubeProxyVersion("")
                .endNodeInfo()
                .build();
        client.nodes().withName(settings.name()).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
        Lease lease = new LeaseBuilder()
                .withNewMetadata()
                .withName(settings.name())
                .withNamespace(NODE_LEASE_NAMESPACE)
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity(settings.name())
                .withLeaseDurationSeconds(LEASE_SECONDS)
                .withRenewTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC))
                .endSpec()
                .build();
        client.resource(lease).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    private NodeCondition condition(String type, String status, String reason, String message, Instant now) {
        return new NodeConditionBuilder()
                .withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(seconds(now))
                .withLastTransitionTime(readySince)
                .build();
    }

    private static String seconds(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
