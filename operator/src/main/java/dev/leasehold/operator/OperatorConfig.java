package dev.leasehold.operator;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The operator's own settings (application.properties, or environment variables in the chart). */
@Singleton
public class OperatorConfig {

    /** The store image a ReplicatedStore without {@code spec.image} runs: this operator version's store. */
    public static String defaultStoreImage() {
        return ConfigProvider.getConfig().getValue("leasehold.store.default-image", String.class);
    }

    /**
     * JOSDK's leader election among the operator's replicas: one reconciles, the others wait on a
     * {@code coordination.k8s.io} Lease in the operator's own namespace. Active in the profiles
     * {@code quarkus.operator-sdk.activate-leader-election-for-profiles} lists.
     */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(
            @ConfigProperty(name = "leasehold.operator.leader-election.lease-name") String leaseName,
            @ConfigProperty(name = "leasehold.operator.leader-election.exit-on-stop-leading") boolean exit) {
        // A replica that lost the lease exits and restarts as a follower rather than reconcile beside a new leader.
        // Not through JOSDK's own exit: it calls System.exit on the thread that stops leading, which is the shutdown
        // hook when the Pod is being stopped, and System.exit inside a shutdown hook blocks forever (every stop would
        // wait out its grace period and its SIGKILL). From a thread of its own, an exit during shutdown just waits.
        LeaderCallbacks exitWhenLost = new LeaderCallbacks(() -> { }, () -> {
            Thread exiting = new Thread(() -> System.exit(1), "exit-on-stop-leading");
            exiting.setDaemon(true);
            exiting.start();
        }, leader -> { });
        LeaderElectionConfigurationBuilder builder = LeaderElectionConfigurationBuilder
                .aLeaderElectionConfiguration(leaseName)
                .withExitOnStopLeading(false);
        return (exit ? builder.withLeaderCallbacks(exitWhenLost) : builder).build();
    }
}
