package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodPathsTest {

    final PodPaths paths = new PodPaths(Map.of(
            "/var/lib/leasehold", Path.of("/data/claim-1"),
            "/var/lib/leasehold/config", Path.of("/data/config-vol"),
            "/tmp", Path.of("/data/tmp-vol")), "127.4.1.2");

    @Test
    void theWildcardAddressBecomesThePodsOwn() {
        assertThat(paths.rewrite("0.0.0.0:7001")).isEqualTo("127.4.1.2:7001");
        assertThat(paths.rewrite("--listen=0.0.0.0:7001")).isEqualTo("--listen=127.4.1.2:7001");
        assertThat(paths.rewrite("[::]:8080")).isEqualTo("127.4.1.2:8080");
        assertThat(paths.rewrite("http://0.0.0.0/x")).isEqualTo("http://127.4.1.2/x");
        assertThat(paths.rewrite("10.0.0.0:1")).isEqualTo("10.0.0.0:1");
        assertThat(paths.rewrite("100.0.0.0")).isEqualTo("100.0.0.0");
    }

    @Test
    void mountPathsBecomeTheirDirectoriesHereTheLongestMountWinning() {
        assertThat(paths.rewrite("/var/lib/leasehold/data")).isEqualTo("/data/claim-1/data");
        assertThat(paths.rewrite("/var/lib/leasehold/config/app.yaml")).isEqualTo("/data/config-vol/app.yaml");
        assertThat(paths.rewrite("--data-dir=/var/lib/leasehold")).isEqualTo("--data-dir=/data/claim-1");
        assertThat(paths.rewrite("/tmp:/var/lib/leasehold,/tmp/x"))
                .isEqualTo("/data/tmp-vol:/data/claim-1,/data/tmp-vol/x");
    }

    @Test
    void onlyWholePathSegmentsAreRewritten() {
        assertThat(paths.rewrite("/var/lib/leasehold-other/x")).isEqualTo("/var/lib/leasehold-other/x");
        assertThat(paths.rewrite("/tmpfiles")).isEqualTo("/tmpfiles");
        assertThat(paths.rewrite("x/tmp")).isEqualTo("x/tmp");
        assertThat(paths.rewrite("plain text")).isEqualTo("plain text");
    }

    @Test
    void aContainerPathMapsToTheDirectoryOfTheMountThatCoversIt() {
        assertThat(paths.hostPath("/var/lib/leasehold/config/a")).contains(Path.of("/data/config-vol/a"));
        assertThat(paths.hostPath("/var/lib/leasehold")).contains(Path.of("/data/claim-1"));
        assertThat(paths.hostPath("/etc/passwd")).isEmpty();
        assertThat(paths.hostPath("/tmpx")).isEmpty();
    }
}
