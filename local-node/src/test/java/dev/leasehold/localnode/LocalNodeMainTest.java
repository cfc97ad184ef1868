package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LocalNodeMainTest {

    @TempDir
    Path dir;

    private NodeSettings parse(String... args) {
        LocalNodeMain main = new LocalNodeMain();
        new CommandLine(main).parseArgs(args);
        return main.settings();
    }

    @Test
    void theFlagsMakeTheSettingsWithALauncherPerComponentGiven() throws IOException {
        Path app = Files.createFile(dir.resolve("quarkus-run.jar"));

        NodeSettings settings = parse("--kubeconfig", "k", "--data-root", dir.toString(), "--name", "laptop",
                "--heartbeat", "500ms", "--restart-backoff", "2s", "--store-classpath", "/a.jar:/b.jar",
                "--operator-app", app.toString(), "--subnet-locks", dir.resolve("locks").toString());

        assertThat(settings.name()).isEqualTo("laptop");
        assertThat(settings.heartbeat()).isEqualTo(Duration.ofMillis(500));
        assertThat(settings.restartBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.subnetLocks()).isEqualTo(dir.resolve("locks"));
        assertThat(settings.launchers()).containsOnlyKeys(Launcher.STORE_NODE, Launcher.OPERATOR);
        assertThat(settings.launchers().get(Launcher.STORE_NODE).classPath()).isEqualTo("/a.jar:/b.jar");
        assertThat(settings.launchers().get(Launcher.OPERATOR).classPath()).isEqualTo(app.toString());
    }

    @Test
    void withoutLaunchersTheNodeRunsNoImagesAndUsesTheMachinesSubnetLocks() {
        NodeSettings settings = parse("--kubeconfig", "k", "--data-root", dir.toString());

        assertThat(settings.launchers()).isEmpty();
        assertThat(settings.subnetLocks()).isEqualTo(NodeSettings.DEFAULT_SUBNET_LOCKS);
        assertThat(settings.restartBackoff()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badValuesAreNamedByTheirFlag() {
        assertThatThrownBy(() -> parse("--kubeconfig", "k", "--data-root", dir.toString(), "--restart-backoff", "x"))
                .hasMessageContaining("--restart-backoff").hasMessageContaining("'x'");
        assertThatThrownBy(() -> parse("--kubeconfig", "k", "--data-root", dir.toString(), "--heartbeat", "1h"))
                .hasMessageContaining("--heartbeat");
        assertThatThrownBy(() -> parse("--kubeconfig", "k", "--data-root", dir.toString(), "--operator-app",
                dir.resolve("missing.jar").toString())).hasMessageContaining("--operator-app")
                .hasMessageContaining("missing.jar");
        assertThatThrownBy(() -> parse("--kubeconfig", "k", "--data-root", dir.toString(), "--name", "Not_A_Label"))
                .hasMessageContaining("node name");
    }
}
