package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageRefTest {

    @Test
    void anImageSplitsIntoRepositoryAndTag() {
        assertThat(Launcher.ImageRef.parse("ghcr.io/leasehold/store-node:0.2.0"))
                .isEqualTo(new Launcher.ImageRef("ghcr.io/leasehold/store-node", "0.2.0"));
        assertThat(Launcher.ImageRef.parse("ghcr.io/leasehold/store-node"))
                .isEqualTo(new Launcher.ImageRef("ghcr.io/leasehold/store-node", "latest"));
        assertThat(Launcher.ImageRef.parse("localhost:5000/leasehold/store-node"))
                .isEqualTo(new Launcher.ImageRef("localhost:5000/leasehold/store-node", "latest"));
        assertThat(Launcher.ImageRef.parse("localhost:5000/store:v1@sha256:abc"))
                .isEqualTo(new Launcher.ImageRef("localhost:5000/store", "v1"));
        assertThat(Launcher.ImageRef.parse("ghcr.io/leasehold/store-node@sha256:abc"))
                .isEqualTo(new Launcher.ImageRef("ghcr.io/leasehold/store-node", "sha256:abc"));
    }

    @Test
    void anyTagOfAKnownRepositoryRunsItsLauncherAndNothingElseDoes() {
        Launcher store = Launcher.storeNode("/cp");
        Map<String, Launcher> launchers = Map.of(store.repository(), store);

        assertThat(Launcher.forImage(launchers, "ghcr.io/leasehold/store-node:anything")).contains(store);
        assertThat(Launcher.forImage(launchers, "ghcr.io/leasehold/store-node-fork:1")).isEmpty();
        assertThat(Launcher.forImage(launchers, "docker.io/library/busybox")).isEmpty();
    }

    @Test
    void theCommandPutsTheNodesOptionsThenTheLaunchersWithThePodAddressThenTheProgram() {
        Launcher operator = new Launcher("ghcr.io/leasehold/operator", "/app/quarkus-run.jar", Optional.empty(),
                List.of("-Dquarkus.http.host={POD_IP}"));

        assertThat(operator.command("/bin/java", List.of("-Xmx64m"), "127.9.0.1", List.of("--flag")))
                .containsExactly("/bin/java", "-Xmx64m", "-Dquarkus.http.host=127.9.0.1", "-jar",
                        "/app/quarkus-run.jar", "--flag");
        assertThat(Launcher.storeNode("/cp").command("java", List.of(), "127.9.0.1", List.of()))
                .containsExactly("java", "-cp", "/cp", "dev.leasehold.store.StoreNodeMain");
    }
}
