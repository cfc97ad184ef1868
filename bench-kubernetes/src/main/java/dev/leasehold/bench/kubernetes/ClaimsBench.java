package dev.leasehold.bench.kubernetes;

import dev.leasehold.kubernetes.LeaseClaim;
import dev.leasehold.localnode.DevKubernetes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lease claims side by side with {@code coordination.k8s.io} leader election (fabric8 {@code LeaderElector}, with
 * its usual 15 s / 10 s / 2 s and a tight 2 s / 1.5 s / 0.25 s) on the same local Kubernetes
 * ({@link DevKubernetes}: control plane, local node, the operator from the chart, a 3-node store): how long until a
 * waiting candidate holds after the holder released, and after the holder's process was killed (SIGKILL). Prints a
 * Markdown table on stdout; progress goes to stderr. Not a test: the numbers go to {@code docs/benchmarks.md}.
 */
@Command(name = "bench-kubernetes", mixinStandardHelpOptions = true,
        description = "Lease claims against coordination.k8s.io leader election on the local Kubernetes.")
public final class ClaimsBench implements Callable<Integer> {

    private static final String NAMESPACE = "bench";
    private static final String STORE = "locks";

    @Option(names = "--rounds", defaultValue = "7", description = "takeovers measured per case (default 7)")
    int rounds;

    @Option(names = "--ttl", defaultValue = "5", description = "the claims' TTL in seconds (default 5)")
    int ttlSeconds;

    @Option(names = "--claims", defaultValue = "1000",
            description = "claims (and elections) for the cost measurements; 0 skips them (default 1000)")
    int claims;

    @Option(names = "--window", defaultValue = "30", description = "seconds of each CPU measurement (default 30)")
    int windowSeconds;

    @Option(names = "--work-dir", defaultValue = "target/claims-bench", description = "scratch directory")
    Path workDir;

    @Option(names = "--repository", defaultValue = ".", description = "the repository root (chart, operator app)")
    Path repository;

    private DevKubernetes dev;
    private KubernetesClient client;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClaimsBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = repository.toAbsolutePath().normalize();
        DevKubernetes.Settings settings = new DevKubernetes.Settings(workDir.toAbsolutePath(),
                System.getProperty("java.class.path"), root.resolve("operator/target/quarkus-app/quarkus-run.jar"),
                root.resolve("helm/leasehold"), Duration.ofMillis(500));
        dev = DevKubernetes.start(settings, line -> System.err.println("bench-kubernetes: " + line));
        Thread stopAll = new Thread(dev::close, "stop-dev-kubernetes");
        Runtime.getRuntime().addShutdownHook(stopAll); // Ctrl-C must not leave the control plane and Pods behind
        try {
            client = dev.client();
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata()
                    .build()).create();
            until(() -> client.serviceAccounts().inNamespace(NAMESPACE).withName("default").get() != null, 60);
            dev.plane().kubectlWithInput(Files.readString(root.resolve("examples/replicatedstore.yaml")), "apply",
                    "-n", NAMESPACE, "-f", "-").outOrThrow();
            until(() -> "Available".equals(storeStatus().get("phase")), 300);
            say("store Available; measuring " + rounds + " takeovers per case");

            List<String> rows = new ArrayList<>();
            rows.add(row("Leasehold `Lease` claim, TTL " + ttlSeconds + " s", claimRelease(), claimKill(),
                    ttlSeconds * 1000.0 + 500));
            for (Elections.Timing timing : List.of(Elections.Timing.DEFAULTS, Elections.Timing.TIGHT)) {
                rows.add(row("fabric8 LeaderElector, " + timing.describe(), electionRelease(timing),
                        electionKill(timing), Double.NaN));
            }
            System.out.println("| system | takeover after release: median / max (ms) | takeover after SIGKILL:"
                    + " median / max (ms) |");
            System.out.println("|---|---|---|");
            rows.forEach(System.out::println);
            System.out.flush();
            List<String> costs = claims > 0 ? costs() : List.of();
            if (!costs.isEmpty()) {
                System.out.println();
                System.out.println("| " + claims + " of each, " + windowSeconds + " s window | kube-apiserver (cores)"
                        + " | etcd (cores) | operator (cores) | operator RSS (MiB) |");
                System.out.println("|---|---|---|---|---|");
                costs.forEach(System.out::println);
            }
            return 0;
        } finally {
            dev.close();
            Runtime.getRuntime().removeShutdownHook(stopAll);
        }
    }

    /**
     * What holding many claims costs the control plane, in each renewal mode, against as many idle elections, and
     * how long until that many claims on as many locks are all {@code Held}.
     */
    private List<String> costs() throws Exception {
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        pids.put("kube-apiserver", ProcessCpu.find("kube-apiserver", "").orElseThrow());
        pids.put("etcd", ProcessCpu.find("/etcd", "").orElseThrow());
        pids.put("operator", ProcessCpu.find("java", "quarkus-run.jar").orElseThrow());
        List<String> rows = new ArrayList<>();
        rows.add(costRow("nothing held (baseline)", pids));

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            double direct = createAll(pool, "scale-d-", "Direct", 60, claim -> { });
            say(claims + " Direct claims on " + claims + " locks all Held in " + direct + " s");
            List<Long> sessions = new ArrayList<>();
            for (GenericKubernetesResource claim : claimsNamed("scale-d-")) {
                sessions.add(((Number) status(claim).get("sessionId")).longValue());
            }
            List<String> endpoints = client.pods().inNamespace(NAMESPACE)
                    .withLabel("app.kubernetes.io/instance", STORE).list().getItems().stream()
                    .map(p -> p.getStatus().getPodIP() + ":7001").toList();
            try (DirectKeepAlives keepAlives = new DirectKeepAlives(endpoints, sessions, 20_000)) {
                rows.add(costRow(claims + " claims held, Direct renewal (every 20 s, TTL 60 s); all Held "
                        + Math.round(direct * 10) / 10.0 + " s after the first create", pids));

                java.util.concurrent.ScheduledExecutorService bumper =
                        java.util.concurrent.Executors.newScheduledThreadPool(4);
                // each holder renews from the moment its claim exists, every third of the TTL
                double kubernetes = createAll(pool, "scale-k-", "Kubernetes", 15, claim -> {
                    long[] counter = {0};
                    bumper.scheduleAtFixedRate(() -> bump(claim, counter), 1_000, 5_000, TimeUnit.MILLISECONDS);
                });
                say(claims + " Kubernetes claims on " + claims + " locks all Held in " + kubernetes + " s");
                rows.add(costRow(claims + " claims, Kubernetes renewal (every 5 s, TTL 15 s); " + (Double.isNaN(kubernetes)
                        ? "NOT all Held within 3 minutes (see stderr)" : "all Held " + Math.round(kubernetes * 10) / 10.0
                        + " s after the first create"), pids));
                bumper.shutdownNow();
            }
        } finally {
            pool.shutdownNow();
        }

        List<Elections.Candidate> elections = new ArrayList<>();
        for (int i = 0; i < claims; i++) {
            elections.add(Elections.candidate(client, NAMESPACE, "idle-" + i, "only", Elections.Timing.DEFAULTS));
        }
        for (Elections.Candidate c : elections) {
            c.leading().get(5, TimeUnit.MINUTES);
        }
        rows.add(costRow(claims + " idle coordination.k8s.io elections (fabric8 LeaderElector, 15 s / 10 s / 2 s)",
                pids));
        elections.forEach(Elections.Candidate::resign);
        return rows;
    }

    private String costRow(String what, Map<String, Long> pids) throws InterruptedException {
        Map<String, Double> cores = ProcessCpu.during(pids, windowSeconds);
        String row = "| " + what + " | " + String.format("%.2f", cores.get("kube-apiserver")) + " | "
                + String.format("%.2f", cores.get("etcd")) + " | " + String.format("%.2f", cores.get("operator"))
                + " | " + ProcessCpu.rssMib(pids.get("operator")) + " |";
        say(row);
        return row;
    }

    /** Creates {@link #claims} claims, each on its own lock; answers the seconds until all are Held. */
    private double createAll(java.util.concurrent.ExecutorService pool, String prefix, String renewal, int ttl,
                             java.util.function.Consumer<GenericKubernetesResource> created) throws Exception {
        long start = System.nanoTime();
        List<java.util.concurrent.Future<?>> creating = new ArrayList<>();
        for (int i = 0; i < claims; i++) {
            String name = prefix + i;
            creating.add(pool.submit(() -> created.accept(client.genericKubernetesResources("leasehold.dev/v1alpha1",
                    "Lease")
                    .inNamespace(NAMESPACE).resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                            .withApiVersion("leasehold.dev/v1alpha1").withKind("Lease").withNewMetadata()
                            .withName(name).addToAnnotations("leasehold.dev/renew", "0").endMetadata()
                            .addToAdditionalProperties("spec", Map.of("storeRef", Map.of("name", STORE), "lockName",
                                    name, "holderIdentity", name, "ttlSeconds", ttl, "renewal", renewal))
                            .build()).create())));
        }
        for (java.util.concurrent.Future<?> f : creating) {
            f.get();
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            Map<Object, Long> phases = claimsNamed(prefix).stream().collect(java.util.stream.Collectors.groupingBy(
                    c -> String.valueOf(status(c).get("phase")), java.util.stream.Collectors.counting()));
            if (phases.getOrDefault("Held", 0L) == claims) {
                return (System.nanoTime() - start) / 1e9;
            }
            if (System.nanoTime() > deadline) {
                say("not all " + renewal + " claims Held after 3 minutes: " + phases);
                return Double.NaN; // the cost row is still measured, with what there is
            }
            Thread.sleep(500);
        }
    }

    private void bump(GenericKubernetesResource claim, long[] counter) {
        long next = counter[0] + 1;
        try {
            client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease").inNamespace(NAMESPACE)
                    .withName(claim.getMetadata().getName()).patch(io.fabric8.kubernetes.client.dsl.base.PatchContext
                            .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), "[{\"op\":\"test\",\"path\":"
                            + "\"/metadata/uid\",\"value\":\"" + claim.getMetadata().getUid() + "\"},{\"op\":"
                            + "\"test\",\"path\":\"/metadata/annotations/leasehold.dev~1renew\",\"value\":\""
                            + counter[0] + "\"},{\"op\":\"replace\",\"path\":\"/metadata/annotations/leasehold.dev~1"
                            + "renew\",\"value\":\"" + next + "\"}]");
            counter[0] = next;
        } catch (RuntimeException e) {
            // a slow API server: the next round tries again
        }
    }

    private List<GenericKubernetesResource> claimsNamed(String prefix) {
        return client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease").inNamespace(NAMESPACE).list()
                .getItems().stream().filter(c -> c.getMetadata().getName().startsWith(prefix)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource resource) {
        Object status = resource.getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    private List<Double> claimRelease() throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            LeaseClaim holder = claim("release-a-" + r, "release-" + r);
            holder.awaitHeld(Duration.ofMinutes(1));
            String waiting = "release-b-" + r;
            LeaseClaim waiter = claim(waiting, "release-" + r);
            until(() -> "Waiting".equals(claimPhase(waiting)), 60);
            long released = System.nanoTime();
            holder.release();
            waiter.awaitHeld(Duration.ofMinutes(1));
            ms.add((System.nanoTime() - released) / 1e6);
            waiter.release();
        }
        say("claims, release: " + ms);
        return ms;
    }

    private List<Double> claimKill() throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Process holder = holder("claim", dev.plane().kubeconfig().toString(), NAMESPACE, "kill-a-" + r, STORE,
                    "kill-" + r, Integer.toString(ttlSeconds));
            String waiting = "kill-b-" + r;
            LeaseClaim waiter = claim(waiting, "kill-" + r);
            until(() -> "Waiting".equals(claimPhase(waiting)), 60);
            long killed = System.nanoTime();
            holder.destroyForcibly().waitFor();
            waiter.awaitHeld(Duration.ofMinutes(1));
            ms.add((System.nanoTime() - killed) / 1e6);
            waiter.release();
        }
        say("claims, SIGKILL: " + ms);
        return ms;
    }

    private List<Double> electionRelease(Elections.Timing timing) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            String lease = "release-" + timing.retry().toMillis() + "-" + r;
            Elections.Candidate a = Elections.candidate(client, NAMESPACE, lease, "a", timing);
            a.leading().get(1, TimeUnit.MINUTES);
            Elections.Candidate b = Elections.candidate(client, NAMESPACE, lease, "b", timing);
            Thread.sleep(timing.retry().toMillis() * 2); // b has tried and found the Lease held
            long released = System.nanoTime();
            a.resign();
            long leads = b.leading().get(2, TimeUnit.MINUTES);
            ms.add((leads - released) / 1e6);
            b.resign();
        }
        say("elections " + timing.describe() + ", release: " + ms);
        return ms;
    }

    private List<Double> electionKill(Elections.Timing timing) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            String lease = "kill-" + timing.retry().toMillis() + "-" + r;
            Process a = holder("elector", dev.plane().kubeconfig().toString(), NAMESPACE, lease, "a",
                    Long.toString(timing.lease().toMillis()), Long.toString(timing.renewDeadline().toMillis()),
                    Long.toString(timing.retry().toMillis()));
            Elections.Candidate b = Elections.candidate(client, NAMESPACE, lease, "b", timing);
            Thread.sleep(timing.retry().toMillis() * 2);
            long killed = System.nanoTime();
            a.destroyForcibly().waitFor();
            long leads = b.leading().get(2, TimeUnit.MINUTES);
            ms.add((leads - killed) / 1e6);
            b.resign();
        }
        say("elections " + timing.describe() + ", SIGKILL: " + ms);
        return ms;
    }

    private LeaseClaim claim(String name, String lock) {
        return LeaseClaim.builder(client).namespace(NAMESPACE).name(name).store(STORE).lock(lock).holder(name)
                .ttl(Duration.ofSeconds(ttlSeconds)).create();
    }

    /** A holder process of its own, once it holds. */
    private Process holder(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                HolderMain.class.getName()));
        command.addAll(List.of(args));
        Path log = workDir.toAbsolutePath().resolve("holder-" + args[3] + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(log).contains("HELD")) {
            if (!p.isAlive() || System.nanoTime() > until) {
                p.destroyForcibly();
                throw new IllegalStateException("holder " + args[3] + " did not take the lock: "
                        + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return p;
    }

    private String row(String system, List<Double> release, List<Double> kill, double killTarget) {
        return "| " + system + " | " + summary(release) + " | " + summary(kill)
                + (Double.isNaN(killTarget) ? "" : " (target ≤ " + Math.round(killTarget) + ")") + " |";
    }

    private static String summary(List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        return Math.round(sorted.get(sorted.size() / 2)) + " / " + Math.round(sorted.get(sorted.size() - 1));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> storeStatus() {
        GenericKubernetesResource store = client.genericKubernetesResources("leasehold.dev/v1alpha1",
                "ReplicatedStore").inNamespace(NAMESPACE).withName(STORE).get();
        Object status = store == null ? null : store.getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    @SuppressWarnings("unchecked")
    private String claimPhase(String name) {
        GenericKubernetesResource claim = client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease")
                .inNamespace(NAMESPACE).withName(name).get();
        Object status = claim == null ? null : claim.getAdditionalProperties().get("status");
        return status == null ? null : (String) ((Map<String, Object>) status).get("phase");
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void until(Check check, int seconds) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.holds()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("gave up after " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    private static void say(String line) {
        System.err.println("bench-kubernetes: " + line);
    }
}
