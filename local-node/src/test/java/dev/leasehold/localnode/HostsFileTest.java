package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostsFileTest {

    @TempDir
    Path dir;

    static Pod pod(String name, String ip, boolean ready) {
        return Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: @NAME@, namespace: prod, labels: {app: store}}
                spec: {hostname: @NAME@, subdomain: store-peers, containers: []}
                status:
                  podIP: @IP@
                  conditions: [{type: Ready, status: "@READY@"}]
                """.replace("@NAME@", name).replace("@IP@", ip).replace("@READY@", ready ? "True" : "False"),
                Pod.class);
    }

    static Service service(String name, boolean headless, boolean publishNotReady) {
        return Serialization.unmarshal("""
                apiVersion: v1
                kind: Service
                metadata: {name: @NAME@, namespace: prod}
                spec: {clusterIP: @CLUSTER_IP@, publishNotReadyAddresses: @PUBLISH@, selector: {app: store}}
                """.replace("@NAME@", name).replace("@CLUSTER_IP@", headless ? "None" : "10.0.0.1")
                .replace("@PUBLISH@", Boolean.toString(publishNotReady)), Service.class);
    }

    final List<Pod> pods = List.of(pod("store-0", "127.7.0.1", true), pod("store-1", "127.7.0.2", false));
    final List<Service> services = List.of(service("store-peers", true, true), service("store", false, false));

    @Test
    void podsUnderAHeadlessServiceHaveFullNamesAndServicesNameTheirReadyPods() {
        String hosts = HostsFile.render(pods, services, "laptop");

        assertThat(hosts).contains("127.0.0.1 localhost laptop\n")
                .contains("127.7.0.1 store-0.store-peers.prod.svc\n")
                .contains("127.7.0.1 store-0.store-peers.prod.svc.cluster.local\n")
                .contains("127.7.0.2 store-1.store-peers.prod.svc\n")
                .contains("127.7.0.1 store-peers.prod.svc\n").contains("127.7.0.2 store-peers.prod.svc\n")
                .contains("127.7.0.1 store.prod.svc\n")
                // store-1 is not Ready and the client Service does not publish not-ready addresses
                .doesNotContain("127.7.0.2 store.prod.svc");
    }

    @Test
    void podsBeingDeletedOrInAnotherNamespaceOrUnselectedAreLeftOut() {
        Pod deleting = pod("store-2", "127.7.0.3", true);
        deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        Pod elsewhere = pod("store-3", "127.7.0.4", true);
        elsewhere.getMetadata().setNamespace("dev");
        Pod other = pod("web-0", "127.7.0.5", true);
        other.getMetadata().getLabels().put("app", "web");

        String hosts = HostsFile.render(List.of(deleting, elsewhere, other), services, "laptop");

        assertThat(hosts).doesNotContain("127.7.0.3").doesNotContain("127.7.0.4").doesNotContain("127.7.0.5");
    }

    @Test
    void theFileIsWrittenOnlyWhenItChanges() throws IOException {
        HostsFile file = new HostsFile(dir.resolve("hosts"), "laptop");

        assertThat(file.update(pods, services)).isTrue();
        assertThat(file.update(pods, services)).isFalse();
        assertThat(file.update(pods.subList(0, 1), services)).isTrue();
        assertThat(Files.readString(file.path())).doesNotContain("127.7.0.2");
    }

    /** The JDK's hosts-file resolver must give every address of a name, as a Service of three Pods needs. */
    @Test
    void aJvmStartedWithTheFileResolvesEveryAddressOfAName() throws Exception {
        HostsFile file = new HostsFile(dir.resolve("hosts"), "laptop");
        file.update(List.of(pod("store-0", "127.7.0.1", true), pod("store-1", "127.7.0.2", true)), services);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Process process = new ProcessBuilder(java, "-Djdk.net.hosts.file=" + file.path(), "-cp",
                System.getProperty("java.class.path"), Resolve.class.getName(), "store.prod.svc",
                "store-1.store-peers.prod.svc.cluster.local", "localhost", "laptop")
                .redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out.lines()).containsExactly(
                    "store.prod.svc=127.7.0.1,127.7.0.2",
                    "store-1.store-peers.prod.svc.cluster.local=127.7.0.2",
                    "localhost=127.0.0.1",
                    "laptop=127.0.0.1");
        } finally {
            process.destroyForcibly();
        }
    }

    /** Prints the addresses of each name it is given, sorted. */
    public static final class Resolve {
        public static void main(String[] args) throws Exception {
            for (String name : args) {
                System.out.println(name + "=" + String.join(",", java.util.Arrays
                        .stream(java.net.InetAddress.getAllByName(name)).map(java.net.InetAddress::getHostAddress)
                        .sorted().toList()));
            }
        }
    }
}
