package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.client.Endpoint;
import dev.leasehold.client.FakeStore;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class LeaseholdCliTest {

    private static void assertOneErrorLine(CliRun run, int exitCode, String line) {
        assertThat(run.exitCode()).isEqualTo(exitCode);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo(line + System.lineSeparator());
    }

    @Test
    void anEndpointThatIsNotHostAndPortIsAUsageErrorNamingTheFlag() {
        CliRun run = CliRun.of("--endpoints", "127.0.0.1:7001,localhost", "kv", "get", "a");

        assertOneErrorLine(run, 2, "leasehold: Invalid value for option '--endpoints': 'localhost' is not host:port"
                + " (see `leasehold --help`)");
    }

    @Test
    void endpointsGivenAfterTheSubcommandAreCheckedToo() {
        CliRun run = CliRun.of("cluster", "status", "--endpoints", "127.0.0.1:99999");

        assertOneErrorLine(run, 2, "leasehold: Invalid value for option '--endpoints': the port of '127.0.0.1:99999'"
                + " must be 1-65535 (see `leasehold cluster status --help`)");
    }

    @Test
    void anEmptyEndpointEntryIsAUsageError() {
        CliRun run = CliRun.of("kv", "get", "a", "--endpoints", "127.0.0.1:7001,,127.0.0.1:7002");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("leasehold: Invalid value for option '--endpoints': empty entry in ");
    }

    @Test
    void aTimeoutWithoutAUnitIsAUsageErrorNamingTheFlag() {
        CliRun run = CliRun.of("--timeout", "10", "kv", "get", "a");

        assertOneErrorLine(run, 2, "leasehold: Invalid value for option '--timeout': '10' is not a positive duration"
                + " like 500ms, 10s or 1m (see `leasehold --help`)");
    }

    @Test
    void unreachableEndpointsGiveOneLineThatNamesThemAndSuggestsTheDevCluster() {
        Endpoint a = FakeStore.unusedEndpoint();
        Endpoint b = FakeStore.unusedEndpoint();

        CliRun run = CliRun.of("kv", "get", "a", "--endpoints", a + "," + b, "--timeout", "300ms");

        assertOneErrorLine(run, 1, "leasehold: cannot reach any of " + a + "," + b
                + " (is `bin/leasehold dev` running?)");
    }

    @Test
    void theServersInvalidArgumentDescriptionIsTheErrorLine() {
        try (FakeStore store = FakeStore.start()) {
            CliRun run = CliRun.of("kv", "put", FakeStore.INVALID_KEY, "v", "--endpoints", store.endpoint().toString());

            assertOneErrorLine(run, 1, "leasehold: key 'invalid' is not allowed here");
        }
    }

    @Test
    void nodesThatStayUnavailableGiveTheirLastReason() {
        try (FakeStore store = FakeStore.start()
                .failEveryCallWith(Status.UNAVAILABLE.withDescription("no leader known; retry"))) {
            CliRun run = CliRun.of("cluster", "status", "--endpoints", store.endpoint().toString(),
                    "--timeout", "300ms");

            assertOneErrorLine(run, 1, "leasehold: no node could serve the request within 300ms: no leader known; "
                    + "retry (see `bin/leasehold cluster status`)");
        }
    }

    @Test
    void aCallTheClusterDidNotCompleteInTimeSaysAWriteMayHaveBeenApplied() {
        try (FakeStore store = FakeStore.start().failEveryCallWith(Status.DEADLINE_EXCEEDED)) {
            CliRun run = CliRun.of("kv", "put", "a", "1", "--endpoints", store.endpoint().toString());

            assertOneErrorLine(run, 1, "leasehold: the cluster did not answer within 10s (if this was a write, it may"
                    + " or may not have been applied; see `bin/leasehold cluster status`)");
        }
    }

    @Test
    void putGetRangeAndDeletePrintWhatTheyDid() {
        try (FakeStore store = FakeStore.start()) {
            String endpoints = FakeStore.unusedEndpoint() + "," + store.endpoint();

            assertThat(CliRun.of("--endpoints", endpoints, "kv", "put", "a", "1"))
                    .isEqualTo(new CliRun(0, "OK\n", ""));
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "put", "ab", "2")).extracting(CliRun::exitCode)
                    .isEqualTo(0);
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "put", "b", "3")).extracting(CliRun::exitCode)
                    .isEqualTo(0);
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "get", "a", "--serializable"))
                    .isEqualTo(new CliRun(0, "1\n", ""));
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "range", "a"))
                    .isEqualTo(new CliRun(0, "a=1\nab=2\n", ""));
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "range", ""))
                    .isEqualTo(new CliRun(0, "a=1\nab=2\nb=3\n", ""));
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "del", "a"))
                    .isEqualTo(new CliRun(0, "deleted\n", ""));
        }
    }

    @Test
    void aMissingKeyExitsOneWithKeyNotFound() {
        try (FakeStore store = FakeStore.start()) {
            String endpoints = store.endpoint().toString();

            assertThat(CliRun.of("--endpoints", endpoints, "kv", "get", "nope"))
                    .isEqualTo(new CliRun(1, "", "leasehold: key not found: nope\n"));
            assertThat(CliRun.of("--endpoints", endpoints, "kv", "del", "nope"))
                    .isEqualTo(new CliRun(1, "", "leasehold: key not found: nope\n"));
        }
    }

    @Test
    void aRangeCutShortByItsLimitSaysSoOnStderr() {
        try (FakeStore store = FakeStore.start().put("k1", "a").put("k2", "b").put("k3", "c")) {
            CliRun run = CliRun.of("--endpoints", store.endpoint().toString(), "kv", "range", "k", "--limit", "2");

            assertThat(run).isEqualTo(new CliRun(0, "k1=a\nk2=b\n",
                    "leasehold: more keys match; printed the first 2 (--limit 2)\n"));
        }
    }

    @Test
    void aRangeLimitBelowOneIsAUsageError() {
        CliRun run = CliRun.of("kv", "range", "k", "--limit", "0");

        assertOneErrorLine(run, 2, "leasehold: --limit must be at least 1, was 0 (see `leasehold kv range --help`)");
    }

    @Test
    void aCommandWithoutSubcommandShowsItsUsageOnStderr() {
        CliRun run = CliRun.of("kv");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("Usage: leasehold kv ").contains("put", "get", "del", "range");
    }
}
