package dev.leasehold.bench.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** fabric8's {@code LeaderElector} on a {@code coordination.k8s.io} Lease: what applications use today. */
final class Elections {

    /** Lease duration, renew deadline and retry period. */
    record Timing(Duration lease, Duration renewDeadline, Duration retry) {

        static final Timing DEFAULTS = new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
        static final Timing TIGHT = new Timing(Duration.ofSeconds(2), Duration.ofMillis(1500),
                Duration.ofMillis(250));

        String describe() {
            return lease.toMillis() / 1000.0 + " s / " + renewDeadline.toMillis() / 1000.0 + " s / "
                    + retry.toMillis() / 1000.0 + " s";
        }
    }

    /** One candidate: {@link #leading()} completes when it leads; {@link #resign()} releases the Lease. */
    record Candidate(CompletableFuture<Long> leading, CompletableFuture<?> running) {
        void resign() {
            running.cancel(true);
        }
    }

    private Elections() {
    }

    static Candidate candidate(KubernetesClient client, String namespace, String lease, String identity,
                               Timing timing) {
        CompletableFuture<Long> leading = new CompletableFuture<>();
        CompletableFuture<?> running = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(lease)
                .withLock(new LeaseLock(namespace, lease, identity))
                .withLeaseDuration(timing.lease())
                .withRenewDeadline(timing.renewDeadline())
                .withRetryPeriod(timing.retry())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> leading.complete(System.nanoTime()), () -> { },
                        leader -> { }))
                .build()).build().start();
        return new Candidate(leading, running);
    }
}
