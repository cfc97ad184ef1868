package dev.leasehold.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ControlPlaneTest {

    private static final Duration GENEROUS = Duration.ofSeconds(90);
    private static ControlPlane plane;

    @BeforeAll
    static void start() {
        plane = ControlPlane.start(Path.of("target/control-plane-" + ControlPlaneTest.class.getSimpleName()));
        plane.kubectl("create", "namespace", "control-plane-test").outOrThrow();
    }

    @AfterAll
    static void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void serverAndKubectlReportTheVersionTheyWereBuiltAs() {
        String json = plane.kubectl("version", "-o", "json").outOrThrow();

        assertThat(json).contains("\"gitVersion\": \"v1.37.2\"");
        assertThat(json.split("\"gitVersion\": \"v1.37.2\"", -1)).as("client and server").hasSize(3);
        assertThat(plane.binaries().kubernetesVersion()).isEqualTo("v1.37.2");
    }

    @Test
    void everyProcessListensOnLoopbackOnly() throws IOException {
        List<Long> pids = plane.pids();
        assertThat(pids).hasSize(4);
        for (long pid : pids) {
            List<String> listening = listeningAddresses(pid);
            assertThat(listening).as("sockets of pid %d", pid).isNotEmpty()
                    .allSatisfy(address -> assertThat(address).startsWith("127.0.0.1:"));
        }
    }

    @Test
    void aStatefulSetGetsItsPodsScheduledAndDeletingItCascades() {
        plane.addNode("test-node");
        plane.kubectlWithInput("""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: web
                  namespace: control-plane-test
                spec:
                  replicas: 3
                  podManagementPolicy: Parallel
                  serviceName: web
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: example.invalid/web:1
                """, "apply", "-f", "-").outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> assertThat(plane.kubectl("get", "pods", "-n",
                "control-plane-test", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.nodeName} {end}")
                .outOrThrow().strip()).isEqualTo("web-0=test-node web-1=test-node web-2=test-node"));

        plane.kubectl("delete", "statefulset", "web", "-n", "control-plane-test", "--cascade=background")
                .outOrThrow();

        // without a kubelet a bound Pod stays Terminating: the garbage collector's part is to mark every one deleted
        await().atMost(GENEROUS).untilAsserted(() -> assertThat(plane.kubectl("get", "pods", "-n",
                "control-plane-test", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.metadata.deletionTimestamp"
                + "}{\"\\n\"}{end}").outOrThrow().lines()).hasSize(3).allMatch(line -> line.matches("web-\\d:20.*")));
    }

    @Test
    void aServiceAccountTokenIsSignedAndRbacDeniesWhatItWasNotGranted() {
        plane.kubectl("create", "serviceaccount", "nobody", "-n", "control-plane-test").outOrThrow();
        String token = plane.kubectl("create", "token", "nobody", "-n", "control-plane-test").outOrThrow().strip();

        KubectlResult whoAmI = plane.kubectl("--token=" + token, "auth", "whoami", "-o", "jsonpath={.status"
                + ".userInfo.username}");
        KubectlResult secrets = plane.kubectl("--token=" + token, "get", "secrets", "-n", "control-plane-test");

        assertThat(whoAmI.outOrThrow()).isEqualTo("system:serviceaccount:control-plane-test:nobody");
        assertThat(secrets.succeeded()).isFalse();
        assertThat(secrets.err()).contains("Forbidden").contains("cannot list resource \"secrets\"");
    }

    @Test
    void theControllerManagerPublishesTheRootCaToNamespaces() throws IOException {
        await().atMost(GENEROUS).until(() -> plane.kubectl("get", "configmap", "kube-root-ca.crt", "-n",
                "control-plane-test").succeeded());

        assertThat(plane.kubectl("get", "configmap", "kube-root-ca.crt", "-n", "control-plane-test", "-o",
                "jsonpath={.data.ca\\.crt}").outOrThrow()).isEqualTo(Files.readString(plane.caCertificate()));
    }

    /** The local addresses of the TCP sockets process {@code pid} listens on, from /proc. */
    static List<String> listeningAddresses(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        Pattern socket = Pattern.compile("socket:\\[(\\d+)]");
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Matcher m = socket.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor went away while we listed them
                }
            }
        }
        List<String> listening = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/" + table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                boolean listen = f[3].equals("0A");
                if (listen && inodes.contains(f[9])) {
                    listening.add(decode(f[1]));
                }
            }
        }
        return listening;
    }

    private static String decode(String hexAddressAndPort) {
        String[] parts = hexAddressAndPort.split(":");
        int port = Integer.parseInt(parts[1], 16);
        String hex = parts[0];
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + (v >> 8 & 0xff) + "." + (v >> 16 & 0xff) + "." + (v >> 24 & 0xff) + ":" + port;
        }
        return "[" + hex + "]:" + port;
    }
}
