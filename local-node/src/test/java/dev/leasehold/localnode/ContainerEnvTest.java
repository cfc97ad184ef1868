package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerEnvTest {

    static final ConfigMap CONFIG = new ConfigMapBuilder().withNewMetadata().withName("config").endMetadata()
            .withData(Map.of("LISTEN", "0.0.0.0:7001", "MODE", "fast")).build();
    static final Secret SECRET = new SecretBuilder().withNewMetadata().withName("creds").endMetadata()
            .withData(Map.of("password", Base64.getEncoder().encodeToString("s3cr3t".getBytes(StandardCharsets.UTF_8))))
            .build();

    final ContainerEnv env = new ContainerEnv(pod(), "127.5.0.9", "127.0.0.1",
            name -> Optional.of(CONFIG).filter(c -> c.getMetadata().getName().equals(name)),
            name -> Optional.of(SECRET).filter(s -> s.getMetadata().getName().equals(name)));

    static Pod pod() {
        return Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: store-2
                  namespace: prod
                  uid: 1234
                  labels: {app: store, tier: data}
                  annotations: {"example.com/owner": team-a}
                spec:
                  nodeName: local-a
                  serviceAccountName: store
                  containers: []
                """, Pod.class);
    }

    static Container container(String yaml) {
        return Serialization.unmarshal(yaml, Container.class);
    }

    @Test
    void envFromThenEnvInOrderWithReferencesToEarlierVariablesExpanded() {
        Map<String, String> out = env.environment(container("""
                name: c
                envFrom:
                - configMapRef: {name: config}
                - prefix: DB_
                  secretRef: {name: creds}
                env:
                - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: ADVERTISE, value: "$(POD).peers.$(NS):7001"}
                - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
                - {name: LITERAL, value: "$$(POD) and $(UNKNOWN)"}
                - {name: MODE, value: "override"}
                """));

        assertThat(out).containsEntry("LISTEN", "0.0.0.0:7001").containsEntry("DB_password", "s3cr3t")
                .containsEntry("POD", "store-2")
                // NS comes later, so it is not expanded (as a kubelet does)
                .containsEntry("ADVERTISE", "store-2.peers.$(NS):7001")
                .containsEntry("NS", "prod")
                .containsEntry("LITERAL", "$(POD) and $(UNKNOWN)")
                .containsEntry("MODE", "override");
    }

    @Test
    void downwardApiFieldsAndResources() {
        Map<String, String> out = env.environment(container("""
                name: c
                resources: {limits: {memory: 256Mi, cpu: 500m}, requests: {memory: 128Mi}}
                env:
                - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
                - {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
                - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
                - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
                - {name: OWNER, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['example.com/owner']"}}}
                - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
                - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
                - {name: REQ, valueFrom: {resourceFieldRef: {resource: requests.memory}}}
                - {name: MODE, valueFrom: {configMapKeyRef: {name: config, key: MODE}}}
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                - {name: MAYBE, valueFrom: {configMapKeyRef: {name: absent, key: x, optional: true}}}
                - {name: NO_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.ephemeral-storage, divisor: 1Gi}}}
                - {name: NO_REQUEST, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}
                """));

        assertThat(out).containsEntry("IP", "127.5.0.9").containsEntry("HOST_IP", "127.0.0.1")
                .containsEntry("UID", "1234").containsEntry("NODE", "local-a").containsEntry("SA", "store")
                .containsEntry("TIER", "data").containsEntry("OWNER", "team-a")
                .containsEntry("MEM_MI", "256").containsEntry("CPU", "1").containsEntry("REQ", "134217728")
                .containsEntry("MODE", "fast").containsEntry("PASSWORD", "s3cr3t")
                .doesNotContainKey("MAYBE")
                // without a limit, the node's allocatable; without a request, 0
                .containsEntry("NO_LIMIT", "100").containsEntry("NO_REQUEST", "0");
    }

    @Test
    void aMissingSourceSaysWhichOneAndAnUnknownFieldToo() {
        assertThatThrownBy(() -> env.environment(container("""
                name: c
                envFrom: [{configMapRef: {name: absent}}]
                """))).isInstanceOf(ContainerEnv.Unresolved.class).hasMessageContaining("configmap \"absent\"");
        assertThatThrownBy(() -> env.environment(container("""
                name: c
                env: [{name: X, valueFrom: {secretKeyRef: {name: creds, key: nope}}}]
                """))).isInstanceOf(ContainerEnv.Unresolved.class)
                .hasMessageContaining("key \"nope\" of secret \"creds\"");
        assertThatThrownBy(() -> env.environment(container("""
                name: c
                env: [{name: X, valueFrom: {fieldRef: {fieldPath: spec.schedulerName}}}]
                """))).isInstanceOf(ContainerEnv.Unresolved.class)
                .hasMessageContaining("env X").hasMessageContaining("spec.schedulerName");
    }

    @Test
    void argumentsExpandFromTheFinalEnvironment() {
        assertThat(ContainerEnv.expandAll(java.util.List.of("--id=$(ID)", "$$(ID)", "$(NONE)"), Map.of("ID", "3")))
                .containsExactly("--id=3", "$(ID)", "$(NONE)");
    }
}
