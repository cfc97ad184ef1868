package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.client.Endpoint;
import dev.leasehold.client.FencingToken;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.Session;
import dev.leasehold.store.InJvmCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code leasehold session ...} and {@code leasehold lock ...} against a real 3-node cluster in this JVM. */
class LockAndSessionCommandsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static String endpoints(InJvmCluster cluster) {
        return String.join(",", cluster.addresses());
    }

    private static CliRun run(InJvmCluster cluster, String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", endpoints(cluster)));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }

    @Test
    void aSessionCanBeGrantedDescribedAndRevoked() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            cluster.awaitLeader();
            CliRun granted = run(cluster, "session", "grant", "--ttl", "30s", "--owner", "ci-job-7");
            assertThat(granted.exitCode()).isEqualTo(0);
            String id = granted.out().strip();
            assertThat(id).matches("\\d+");

            CliRun described = run(cluster, "session", "describe", id);
            assertThat(described.exitCode()).isEqualTo(0);
            assertThat(described.out()).contains("ttl      30000ms").contains("owner    ci-job-7");

            assertThat(run(cluster, "session", "revoke", id).out()).isEqualTo("revoked" + System.lineSeparator());
            CliRun afterRevoke = run(cluster, "session", "describe", id);
            assertThat(afterRevoke.exitCode()).isEqualTo(1);
            assertThat(afterRevoke.err()).isEqualTo("leasehold: session " + id + " has ended or never existed"
                    + System.lineSeparator());

            CliRun badTtl = run(cluster, "session", "grant", "--ttl", "500ms");
            assertThat(badTtl.exitCode()).isEqualTo(1);
            assertThat(badTtl.err()).startsWith("leasehold: ttl_millis must be between 1000 and 300000");
        }
    }

    @Test
    void aCommandRunsWithTheTokenWhileTheLockIsHeldAndItsExitCodeIsPassedOn() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LeaseholdClient client = new LeaseholdClient(cluster.addresses().stream().map(Endpoint::parse).toList())) {
            cluster.awaitLeader();
            Path seen = dir.resolve("seen");
            CliRun run = run(cluster, "lock", "nightly", "--", "sh", "-c",
                    "echo \"$LEASEHOLD_FENCING_TOKEN $LEASEHOLD_LOCK\" > '" + seen + "'; exit 3");

            assertThat(run.exitCode()).isEqualTo(3);
            String[] recorded = Files.readString(seen).strip().split(" ");
            assertThat(Long.parseLong(recorded[0])).isPositive();
            assertThat(recorded[1]).isEqualTo("nightly");
            assertThat(client.describeLock("nightly").getHeld()).isFalse();

            CliRun describe = run(cluster, "lock", "describe", "nightly");
            assertThat(describe.out()).isEqualTo("free" + System.lineSeparator());
        }
    }

    @Test
    void aCommandWaitsItsTurnAndDescribeShowsTheHolderAndTheWaiter() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LeaseholdClient client = new LeaseholdClient(cluster.addresses().stream().map(Endpoint::parse).toList());
             Session holder = client.newSession(Duration.ofSeconds(10))) {
            cluster.awaitLeader();
            var held = holder.lock("turns");
            FencingToken first = held.acquire();
            Path seen = dir.resolve("token");
            CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(() -> run(cluster, "lock", "turns",
                    "--", "sh", "-c", "echo $LEASEHOLD_FENCING_TOKEN > '" + seen + "'"));
            await().atMost(PATIENCE).until(() -> client.describeLock("turns").getWaitersCount() == 1);

            CliRun describe = run(cluster, "lock", "describe", "turns");
            assertThat(describe.out()).startsWith("held by session " + holder.id() + " with token " + first.value())
                    .contains("waiting: session ");

            held.release();
            CliRun done = waiting.get(60, TimeUnit.SECONDS);
            assertThat(done.exitCode()).isEqualTo(0);
            assertThat(done.err()).contains("leasehold: waiting for lock turns (place 1)");
            assertThat(Long.parseLong(Files.readString(seen).strip())).isGreaterThan(first.value());
        }
    }

    @Test
    void aCommandWhoseLockIsLostGetsSigtermAndItsExitCodeIsPassedOn() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            cluster.awaitLeader();
            Path started = dir.resolve("started");
            Path terminated = dir.resolve("terminated");
            CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(() -> run(cluster, "lock", "lost",
                    "--ttl", "1s", "--", "sh", "-c", "trap 'echo term > \"" + terminated + "\"; exit 7' TERM; "
                            + "touch '" + started + "'; while true; do sleep 0.1; done"));
            await().atMost(PATIENCE).until(() -> Files.exists(started));

            cluster.stop(1);
            cluster.stop(2); // no quorum: keep-alives go unacknowledged, and the session is lost

            CliRun run = running.get(60, TimeUnit.SECONDS);
            assertThat(run.exitCode()).isEqualTo(7);
            assertThat(Files.readString(terminated).strip()).isEqualTo("term");
            assertThat(run.err()).contains("leasehold: lock lost lost (session ").contains("stopping the command");
        }
    }

    @Test
    void aCommandThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            cluster.awaitLeader();
            Path started = dir.resolve("started");
            CompletableFuture<CliRun> running = CompletableFuture.supplyAsync(() -> run(cluster, "lock", "stubborn",
                    "--ttl", "1s", "--grace", "500ms", "--", "sh", "-c",
                    "trap '' TERM; touch '" + started + "'; while true; do sleep 0.1; done"));
            await().atMost(PATIENCE).until(() -> Files.exists(started));

            cluster.stop(1);
            cluster.stop(2);

            CliRun run = running.get(60, TimeUnit.SECONDS);
            assertThat(run.exitCode()).isEqualTo(128 + 9);
            assertThat(run.err()).contains("did not exit within 500ms of SIGTERM; sending SIGKILL");
        }
    }

    @Test
    void aCommandThatCannotBeStartedIsOneLineAndTheLockIsReleased() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LeaseholdClient client = new LeaseholdClient(cluster.addresses().stream().map(Endpoint::parse).toList())) {
            cluster.awaitLeader();
            CliRun run = run(cluster, "lock", "missing", "--", "/nonexistent/tool", "x");

            assertThat(run.exitCode()).isEqualTo(127);
            assertThat(run.err()).startsWith("leasehold: cannot run '/nonexistent/tool' 'x': ");
            assertThat(run.err().lines()).hasSize(1);
            assertThat(client.describeLock("missing").getHeld()).isFalse();
        }
    }

    @Test
    void aLockWithoutACommandIsAUsageError() {
        CliRun run = CliRun.of("--endpoints", "127.0.0.1:1", "lock", "name");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("leasehold: give the command to run after --");
    }
}
