package dev.leasehold.systemtest.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.store.InJvmCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The workers' two clients, raw gRPC and the project's Java client, against three store nodes in this JVM. */
class LockClientsTest {

    @TempDir
    Path dir;

    private static Map<Long, String> nodes(InJvmCluster cluster) {
        Map<Long, String> nodes = new TreeMap<>();
        List<String> addresses = cluster.addresses();
        for (int i = 0; i < addresses.size(); i++) {
            nodes.put((long) i + 1, addresses.get(i));
        }
        return nodes;
    }

    private static LockClient client(String kind, InJvmCluster cluster, long home, LockClient.SessionEvents events) {
        return kind.equals("java") ? new JavaLockClient(nodes(cluster), home, events)
                : new GrpcLockClient(nodes(cluster), home, events);
    }

    private static <T> T answer(Reply<T> reply) {
        assertThat(reply).isInstanceOf(Reply.Ok.class);
        return ((Reply.Ok<T>) reply).value();
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "java"})
    void aHolderWritesWithItsTokenAndAStaleTokenIsRefusedNotUnknown(String kind) throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LockClient client = client(kind, cluster, 1, LockClient.SessionEvents.NONE)) {
            cluster.awaitLeader();
            long first = answer(client.grant(Duration.ofSeconds(10)));
            long second = answer(client.grant(Duration.ofSeconds(10)));

            long token = answer(client.acquire(first, "l", 1, Duration.ofSeconds(5)));
            assertThat(client.fencedPut("k", "one", "l", token)).isInstanceOf(Reply.Ok.class);
            assertThat(client.tryAcquire(second, "l", 1)).isEqualTo(new Reply.Ok<>(OptionalLong.empty()));
            assertThat(client.release(first, "l", token, 2)).isEqualTo(new Reply.Ok<>(true));
            long next = answer(client.acquire(second, "l", 2, Duration.ofSeconds(5)));

            assertThat(next).isGreaterThan(token);
            assertThat(client.fencedPut("k", "stale", "l", token)).isInstanceOfSatisfying(Reply.Refused.class,
                    r -> assertThat(r.code()).isEqualTo("FAILED_PRECONDITION"));
            assertThat(client.get("k")).isInstanceOfSatisfying(Reply.Ok.class,
                    r -> assertThat(((LockClient.Read) r.value()).value()).isEqualTo("one"));
            assertThat(client.revoke(second)).isEqualTo(new Reply.Ok<>(List.of("l")));
            assertThat(client.lost(second)).isTrue();
            assertThat(client.revoke(second)).isInstanceOf(Reply.Refused.class); // no longer alive
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "java"})
    void anAcquireThatWaitsTooLongIsCancelledAndReportedAsCertainlyNotGranted(String kind) throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LockClient client = client(kind, cluster, 2, LockClient.SessionEvents.NONE)) {
            cluster.awaitLeader();
            long holder = answer(client.grant(Duration.ofSeconds(10)));
            long waiter = answer(client.grant(Duration.ofSeconds(10)));
            client.acquire(holder, "l", 1, Duration.ofSeconds(5));

            assertThat(client.acquire(waiter, "l", 1, Duration.ofMillis(500))).isInstanceOf(Reply.Refused.class);
            assertThat(client.revoke(holder)).isEqualTo(new Reply.Ok<>(List.of("l"))); // nobody waits any more
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc", "java"})
    void keepAlivesFollowTheLeaderAndKeepASessionPastItsTtlUntilItIsRevoked(String kind) throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long follower = leader % 3 + 1;
            List<Long> acknowledged = new CopyOnWriteArrayList<>();
            LockClient.SessionEvents events = new LockClient.SessionEvents() {
                @Override
                public void acknowledged(long session, long sentNanos) {
                    acknowledged.add(sentNanos);
                }

                @Override
                public void lost(long session, String why, boolean mayRevoke) {
                }
            };
            try (LockClient client = client(kind, cluster, follower, events)) {
                long session = answer(client.grant(Duration.ofSeconds(1)));

                Thread.sleep(2_500); // two and a half TTLs without a call of our own

                assertThat(client.lost(session)).isFalse();
                assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(4);
                assertThat(client.revoke(session)).isInstanceOf(Reply.Ok.class);
            }
        }
    }
}
