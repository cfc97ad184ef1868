package dev.leasehold.testenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlPlaneLifecycleTest {

    @Test
    void closeStopsEveryProcessAndKeepsTheLogs() {
        Path dir = Path.of("target/control-plane-" + getClass().getSimpleName());
        List<Long> pids;
        try (ControlPlane plane = ControlPlane.start(dir)) {
            pids = plane.pids();
            assertThat(pids).hasSize(4);
            assertThat(plane.kubectl("get", "namespaces", "-o", "name").outOrThrow()).contains("namespace/default");
        }

        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
                .as("pid %d", pid).isNotEqualTo(java.util.Optional.of(true)));
        assertThat(dir.resolve("kube-apiserver.log")).isNotEmptyFile();
        assertThat(Files.exists(dir.resolve("etcd"))).as("etcd data deleted").isFalse();
    }

    @Test
    void aProgramThatCannotStartFailsWithItsLog() throws Exception {
        Path fake = Files.createDirectories(Path.of("target/fake-binaries"));
        for (String program : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                "kubectl")) {
            Path script = fake.resolve(program);
            Files.writeString(script, "#!/bin/sh\necho \"" + program + ": cannot run here\"\nexit 3\n");
            script.toFile().setExecutable(true);
        }
        Binaries binaries = new Binaries(fake, "v0", "v0");

        assertThatThrownBy(() -> ControlPlane.start(binaries, Path.of("target/control-plane-fake")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd exited")
                .hasMessageContaining("etcd: cannot run here");
    }
}
