package dev.leasehold.testenv;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A real Kubernetes control plane on 127.0.0.1 for tests: etcd, kube-apiserver ({@code --authorization-mode
 * RBAC,Node}), kube-controller-manager (garbage collection, StatefulSets, PodDisruptionBudgets, service-account
 * tokens) and kube-scheduler, every one bound to 127.0.0.1 on ports allocated free and passed explicitly, with a
 * service-account signing key of its own shared by the API server and the controller manager.
 *
 * <p>No EndpointSlices: Pods here get loopback addresses, which the API server refuses in them, so the API server runs
 * with {@code --endpoint-reconciler-type=none} and the controller manager without the endpoint controllers.
 *
 * <p>{@link #close()} stops every process (SIGTERM, then SIGKILL), also from a shutdown hook when a test run ends
 * without closing it.
 */
public final class ControlPlane implements AutoCloseable {

    private static final Duration READY_WITHIN = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Set<Integer> PORTS_HANDED_OUT = new HashSet<>();

    private final Binaries binaries;
    private final Path workDir;
    private final String adminToken;
    private final int apiServerPort;
    private final List<LocalProcess> processes = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "control-plane-shutdown");

    private ControlPlane(Binaries binaries, Path workDir) {
        this.binaries = binaries;
        this.workDir = workDir.toAbsolutePath(); // kubeconfig paths resolve against the kubeconfig's directory
        this.adminToken = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        this.apiServerPort = freePort();
    }

    /** Starts a control plane from the binaries this module's build recorded, with its files under {@code workDir}. */
    public static ControlPlane start(Path workDir) {
        return start(Binaries.fromBuild(), workDir);
    }

    /**
     * Starts a control plane and returns once the API server is ready and the controller manager and scheduler are
     * healthy. {@code workDir} is emptied first; the processes' logs stay there after {@link #close()}.
     */
    public static ControlPlane start(Binaries binaries, Path workDir) {
        ControlPlane plane = new ControlPlane(binaries, workDir);
        Runtime.getRuntime().addShutdownHook(plane.shutdownHook);
        try {
            plane.startAll();
            return plane;
        } catch (RuntimeException e) {
            plane.close();
            throw e;
        }
    }

    /** The API server's address. */
    public URI server() {
        return URI.create("https://127.0.0.1:" + apiServerPort);
    }

    /** A bearer token of a cluster administrator ({@code system:masters}). */
    public String adminToken() {
        return adminToken;
    }

    /** The CA certificate that signed the API server's serving certificate (also published as kube-root-ca.crt). */
    public Path caCertificate() {
        return workDir.resolve("ca.crt");
    }

    /** A kubeconfig for the administrator, with the namespace {@code default}. */
    public Path kubeconfig() {
        return workDir.resolve("kubeconfig");
    }

    /** The binaries it runs. */
    public Binaries binaries() {
        return binaries;
    }

    /** The process ids of etcd, the API server, the controller manager and the scheduler, while they run. */
    public List<Long> pids() {
        synchronized (processes) {
            return processes.stream().filter(LocalProcess::isAlive).map(LocalProcess::pid).toList();
        }
    }

    /** Runs {@code kubectl} with the administrator's kubeconfig. */
    /**
     * Registers a Node that reports itself Ready with room for 110 Pods, so that the scheduler binds Pods to it. No
     * kubelet runs: bound Pods stay Pending, and a deleted one stays Terminating.
     */
    public void addNode(String name) {
        kubectlWithInput("""
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels:
                    kubernetes.io/hostname: %s
                """.formatted(name, name), "apply", "-f", "-").outOrThrow();
        kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p", """
                {"status":{"capacity":{"cpu":"8","memory":"16Gi","pods":"110"},
                 "allocatable":{"cpu":"8","memory":"16Gi","pods":"110"},
                 "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"stand-in"}]}}
                """).outOrThrow();
        // the API server taints a new Node not-ready; node lifecycle, which would lift it, does not run here
        kubectl("patch", "node", name, "--type=merge", "-p", "{\"spec\":{\"taints\":null}}").outOrThrow();
    }

    public KubectlResult kubectl(String... args) {
        return kubectlWithInput(null, args);
    }

    /** Runs {@code kubectl} with the administrator's kubeconfig and {@code stdin} as its standard input. */
    public KubectlResult kubectlWithInput(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(binaries.program("kubectl").toString(),
                "--kubeconfig=" + kubeconfig()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).start();
            CompletableFuture<String> out = readAsync(p.getInputStream());
            CompletableFuture<String> err = readAsync(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            return new KubectlResult(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while kubectl ran", e);
        }
    }

    /** Stops every process; keeps the logs, deletes etcd's data. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook itself is running or has run
        }
        deleteRecursively(workDir.resolve("etcd"));
    }

    private void startAll() {
        deleteRecursively(workDir);
        int etcdClient = freePort();
        int etcdPeer = freePort();
        int controllerManager = freePort();
        int scheduler = freePort();
        try {
            Files.createDirectories(workDir.resolve("certs"));
            writeServiceAccountKey();
            Files.writeString(workDir.resolve("tokens.csv"),
                    adminToken + ",leasehold-admin,leasehold-admin,\"system:masters\"\n");
            Files.writeString(kubeconfig(), kubeconfigYaml());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String etcdUrl = "http://127.0.0.1:" + etcdClient;
        String peerUrl = "http://127.0.0.1:" + etcdPeer;
        LocalProcess etcd = launch("etcd", List.of(
                "--name=default",
                "--data-dir=" + workDir.resolve("etcd"),
                "--listen-client-urls=" + etcdUrl,
                "--advertise-client-urls=" + etcdUrl,
                "--listen-peer-urls=" + peerUrl,
                "--initial-advertise-peer-urls=" + peerUrl,
                "--initial-cluster=default=" + peerUrl,
                "--unsafe-no-fsync=true",
                "--log-level=warn"));
        awaitPort(etcd, etcdClient);
        LocalProcess apiServer = launch("kube-apiserver", List.of(
                "--etcd-servers=" + etcdUrl,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + apiServerPort,
                "--cert-dir=" + workDir.resolve("certs"),
                "--token-auth-file=" + workDir.resolve("tokens.csv"),
                "--authorization-mode=RBAC,Node",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + workDir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + workDir.resolve("sa.key"),
                "--endpoint-reconciler-type=none",
                "--profiling=false"));
        awaitPort(apiServer, apiServerPort); // it writes its self-signed certificate before it listens
        extractCa(workDir.resolve("certs/apiserver.crt"), caCertificate());
        awaitHealthy(apiServer, server().resolve("/readyz"), trusting(caCertificate()));
        LocalProcess manager = launch("kube-controller-manager", List.of(
                "--kubeconfig=" + kubeconfig(),
                "--authentication-kubeconfig=" + kubeconfig(),
                "--authorization-kubeconfig=" + kubeconfig(),
                "--bind-address=127.0.0.1",
                "--secure-port=" + controllerManager,
                "--cert-dir=" + workDir.resolve("certs/controller-manager"),
                "--leader-elect=false",
                // no kubelet renews the stand-in Nodes' heartbeats: without node lifecycle they stay Ready
                "--controllers=*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller,"
                        + "-node-lifecycle-controller",
                "--use-service-account-credentials=true",
                "--service-account-private-key-file=" + workDir.resolve("sa.key"),
                "--root-ca-file=" + caCertificate(),
                "--profiling=false"));
        LocalProcess kubeScheduler = launch("kube-scheduler", List.of(
                "--kubeconfig=" + kubeconfig(),
                "--authentication-kubeconfig=" + kubeconfig(),
                "--authorization-kubeconfig=" + kubeconfig(),
                "--bind-address=127.0.0.1",
                "--secure-port=" + scheduler,
                "--cert-dir=" + workDir.resolve("certs/scheduler"),
                "--leader-elect=false",
                "--profiling=false"));
        // their serving certificates are self-signed in memory; this only asks our own children whether they run
        awaitHealthy(manager, URI.create("https://127.0.0.1:" + controllerManager + "/healthz"), trustingAnything());
        awaitHealthy(kubeScheduler, URI.create("https://127.0.0.1:" + scheduler + "/healthz"), trustingAnything());
    }

    private LocalProcess launch(String program, List<String> flags) {
        List<String> command = new ArrayList<>();
        command.add(binaries.program(program).toString());
        command.addAll(flags);
        LocalProcess process = LocalProcess.start(program, workDir.resolve(program + ".log"), command);
        synchronized (processes) {
            processes.add(process);
        }
        return process;
    }

    private void stopAll() {
        List<LocalProcess> running;
        synchronized (processes) {
            running = new ArrayList<>(processes);
            processes.clear();
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).stop(STOP_GRACE);
        }
    }

    private void awaitPort(LocalProcess process, int port) {
        Instant deadline = Instant.now().plus(READY_WITHIN);
        while (true) {
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                return;
            } catch (IOException notYet) {
                pauseOrGiveUp(process, deadline, "port " + port + " refused");
            }
        }
    }

    private void awaitHealthy(LocalProcess process, URI uri, SSLContext tls) {
        HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(READY_WITHIN);
        String last = "not asked yet";
        while (true) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(5))
                        .header("Authorization", "Bearer " + adminToken)
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + process.name(), e);
            }
            pauseOrGiveUp(process, deadline, uri + " answered " + last);
        }
    }

    private static void pauseOrGiveUp(LocalProcess process, Instant deadline, String why) {
        if (!process.isAlive() || Instant.now().isAfter(deadline)) {
            throw new IllegalStateException(process.name() + (process.isAlive() ? " is not ready after "
                    + READY_WITHIN.toSeconds() + " s" : " exited") + " (" + why + "); its log ends:\n"
                    + process.logTail(30));
        }
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + process.name(), e);
        }
    }

    private void writeServiceAccountKey() throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.writeString(workDir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(workDir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the service-account signing key", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private String kubeconfigYaml() {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: leasehold-test
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: leasehold-admin
                  user:
                    token: %s
                contexts:
                - name: leasehold-test
                  context:
                    cluster: leasehold-test
                    user: leasehold-admin
                    namespace: default
                current-context: leasehold-test
                """.formatted(server(), caCertificate(), adminToken);
    }

    /** The API server writes its serving certificate followed by the CA that signed it; clients should trust the CA. */
    private static void extractCa(Path servingChain, Path ca) {
        try (InputStream in = Files.newInputStream(servingChain)) {
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                if (((X509Certificate) cert).getBasicConstraints() >= 0) {
                    Files.writeString(ca, pem("CERTIFICATE", cert.getEncoded()));
                    return;
                }
            }
            throw new IllegalStateException(servingChain + " holds no CA certificate");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the API server's certificate " + servingChain, e);
        }
    }

    private static SSLContext trusting(Path caBundle) {
        try (InputStream in = Files.newInputStream(caBundle)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, factory.getTrustManagers(), null);
            return tls;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the API server's CA bundle " + caBundle, e);
        }
    }

    private static SSLContext trustingAnything() {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {new AnyCertificate()}, null);
            return tls;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static int freePort() {
        synchronized (PORTS_HANDED_OUT) {
            while (true) {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                    if (PORTS_HANDED_OUT.add(s.getLocalPort())) {
                        return s.getLocalPort();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts any certificate: only for asking our own child processes on 127.0.0.1 whether they are healthy. */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
