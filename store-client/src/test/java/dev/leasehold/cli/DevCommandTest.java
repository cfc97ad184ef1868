package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.client.Endpoint;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevCommandTest {

    @TempDir
    Path dataDir;

    @Test
    void nodeIListensOnBasePortPlusIMinusOneAndKeepsItsDataAndLogApart() {
        DevCluster cluster = DevCluster.plan(Path.of("data/dev"), 3, 7001, 9101);

        assertThat(cluster.endpoints()).containsExactly(new Endpoint("127.0.0.1", 7001),
                new Endpoint("127.0.0.1", 7002), new Endpoint("127.0.0.1", 7003));
        DevCluster.Node third = cluster.nodes().get(2);
        assertThat(third.id()).isEqualTo(3);
        assertThat(third.metricsUrl()).isEqualTo("http://127.0.0.1:9103/metrics");
        assertThat(third.dataDir()).isEqualTo(Path.of("data/dev/node-3"));
        assertThat(third.log()).isEqualTo(Path.of("data/dev/node-3.log"));
    }

    @Test
    void refusesToStartWhenAPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            CliRun run = CliRun.of("dev", "--nodes", "1", "--base-port", Integer.toString(port),
                    "--data-dir", dataDir.toString());

            assertThat(run).isEqualTo(new CliRun(1, "", "leasehold: port " + port + " on 127.0.0.1 (gRPC of node 1)"
                    + " is already in use (is another `leasehold dev` running? --base-port chooses other ports)\n"));
            assertThat(dataDir).isEmptyDirectory();
        }
    }

    @Test
    void refusesGrpcPortsThatOverlapTheMetricsPorts() {
        CliRun run = CliRun.of("dev", "--base-port", "9100", "--data-dir", dataDir.toString());

        assertThat(run).isEqualTo(new CliRun(2, "", "leasehold: --base-port 9100 overlaps the metrics ports 9101-9103"
                + " (see `leasehold dev --help`)\n"));
    }

    @Test
    void takesNoEndpointsSinceItStartsItsOwnNodes() {
        CliRun run = CliRun.of("dev", "--endpoints", "127.0.0.1:7001");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("leasehold: Unknown option").contains("'--endpoints'");
    }

    @Test
    void refusesANodeCountOutsideOneToNine() {
        assertThat(CliRun.of("dev", "--nodes", "0").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("dev", "--nodes", "10").err())
                .isEqualTo("leasehold: --nodes must be 1 to 9, was 10 (see `leasehold dev --help`)\n");
    }
}
