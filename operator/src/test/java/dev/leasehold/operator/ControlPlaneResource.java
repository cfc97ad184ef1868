package dev.leasehold.operator;

import dev.leasehold.testenv.ControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/**
 * One real Kubernetes control plane per run of the Quarkus app under test: started before Quarkus creates its
 * Kubernetes client (which it points at the API server with an administrator token), stopped after the last test.
 * Tests reach it through {@link #plane()} for kubectl and helm.
 */
public class ControlPlaneResource implements QuarkusTestResourceLifecycleManager {

    /** The stand-in Node the scheduler binds store Pods to. */
    public static final String NODE = "node-a";

    private static volatile ControlPlane plane;

    public static ControlPlane plane() {
        ControlPlane current = plane;
        if (current == null) {
            throw new IllegalStateException("the control plane runs only while a @QuarkusTest does");
        }
        return current;
    }

    @Override
    public Map<String, String> start() {
        ControlPlane started = ControlPlane.start(Path.of("target", "control-plane"));
        started.addNode(NODE);
        addLocalVolumes(started, 80);
        plane = started;
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", started.server().toString(),
                "quarkus.kubernetes-client.token", started.adminToken(),
                "quarkus.kubernetes-client.ca-cert-file", started.caCertificate().toString(),
                "quarkus.kubernetes-client.namespace", "default",
                "quarkus.kubernetes-client.trust-certs", "false");
    }

    /**
     * A default StorageClass that binds when a Pod is scheduled, and pre-made local volumes on the stand-in Node: the
     * scheduler then binds store Pods (whose claims need volumes) as it would on a cluster; nothing provisions.
     */
    private static void addLocalVolumes(ControlPlane plane, int count) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: storage.k8s.io/v1
                kind: StorageClass
                metadata:
                  name: local
                  annotations:
                    storageclass.kubernetes.io/is-default-class: "true"
                provisioner: kubernetes.io/no-provisioner
                volumeBindingMode: WaitForFirstConsumer
                """);
        for (int i = 0; i < count; i++) {
            yaml.append("""
                    ---
                    apiVersion: v1
                    kind: PersistentVolume
                    metadata:
                      name: local-%d
                    spec:
                      capacity:
                        storage: 10Gi
                      accessModes: [ReadWriteOnce]
                      persistentVolumeReclaimPolicy: Retain
                      storageClassName: local
                      local:
                        path: /var/lib/volumes/%d
                      nodeAffinity:
                        required:
                          nodeSelectorTerms:
                          - matchExpressions:
                            - key: kubernetes.io/hostname
                              operator: In
                              values: [%s]
                    """.formatted(i, i, NODE));
        }
        plane.kubectlWithInput(yaml.toString(), "apply", "-f", "-").outOrThrow();
    }

    @Override
    public void stop() {
        ControlPlane current = plane;
        plane = null;
        if (current != null) {
            current.close();
        }
    }
}
