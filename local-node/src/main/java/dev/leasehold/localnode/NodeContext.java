package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every Pod of one node shares: the client, the settings, the address pool, the hosts file, the timer, and
 * where the real API server is (the built-in {@code kubernetes} Service points nowhere here).
 */
record NodeContext(KubernetesClient client, NodeSettings settings, PodAddresses addresses, HostsFile hosts,
                   ScheduledExecutorService timer, String java, URI apiServer) {

    /** The node's own address, which Pods see as {@code status.hostIP}. */
    static final String HOST_IP = "127.0.0.1";

    Optional<ConfigMap> configMap(String namespace, String name) {
        return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name).get());
    }

    Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
    }
}
