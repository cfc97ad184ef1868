package dev.leasehold.bench.kubernetes;

import dev.leasehold.kubernetes.LeaseClaim;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A holder as a process of its own, for the takeover-after-kill measurements: it takes the lock and holds it until
 * it is killed. Prints {@code HELD} once it holds.
 *
 * <p>Arguments: {@code claim KUBECONFIG NAMESPACE NAME STORE LOCK TTL_SECONDS}, or {@code elector KUBECONFIG
 * NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS}.
 */
public final class HolderMain {

    private HolderMain() {
    }

    public static void main(String[] args) throws Exception {
        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(Path.of(args[1])))).build();
        if (args[0].equals("claim")) {
            LeaseClaim claim = LeaseClaim.builder(client).namespace(args[2]).name(args[3]).store(args[4])
                    .lock(args[5]).holder(args[3]).ttl(Duration.ofSeconds(Integer.parseInt(args[6]))).create();
            claim.awaitHeld(Duration.ofMinutes(2));
        } else {
            Elections.Timing timing = new Elections.Timing(Duration.ofMillis(Long.parseLong(args[5])),
                    Duration.ofMillis(Long.parseLong(args[6])), Duration.ofMillis(Long.parseLong(args[7])));
            Elections.Candidate candidate = Elections.candidate(client, args[2], args[3], args[4], timing);
            candidate.leading().get();
        }
        System.out.println("HELD");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
