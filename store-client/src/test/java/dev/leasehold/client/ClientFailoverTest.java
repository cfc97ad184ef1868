package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.store.InJvmCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the client's sessions and locks do when nodes go away: a cluster of their own per test. */
class ClientFailoverTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void sessionsAndAWaitersPlaceSurviveTheLossOfTheLeader() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LeaseholdClient client = new LeaseholdClient(SessionsAndLocksClientTest.endpoints(cluster))) {
            long leader = cluster.awaitLeader();
            Session holder = client.newSession(Duration.ofSeconds(10));
            Session waiter = client.newSession(Duration.ofSeconds(10));
            DistributedLock held = holder.lock("failover");
            FencingToken first = held.acquire();
            DistributedLock waiting = waiter.lock("failover");
            CompletableFuture<FencingToken> granted = CompletableFuture.supplyAsync(() -> {
                try {
                    return waiting.acquire();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(PATIENCE).until(() -> waiting.queuePosition() == 1);

            cluster.stop(leader);
            long newLeader = cluster.awaitLeader();
            long deadlineBefore = holder.deadlineNanos();
            // The keep-alive stream finds the new leader: the deadline moves on again.
            await().atMost(PATIENCE).until(() -> holder.deadlineNanos() > deadlineBefore);
            assertThat(held.release()).isTrue();

            FencingToken second = granted.get(60, TimeUnit.SECONDS);
            assertThat(newLeader).isNotEqualTo(leader);
            assertThat(second).isGreaterThan(first);
            assertThat(holder.isAlive()).isTrue();
            assertThat(waiter.isAlive()).isTrue();
            assertThat(waiting.isHeld()).isTrue();
        }
    }

    @Test
    void aSessionWhoseKeepAlivesGoUnacknowledgedIsLostForGoodAndItsLockPassesOn() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll();
             LeaseholdClient client = new LeaseholdClient(SessionsAndLocksClientTest.endpoints(cluster))) {
            cluster.awaitLeader();
            Session session = client.newSession(Duration.ofSeconds(2));
            DistributedLock lock = session.lock("quorum-loss");
            lock.acquire();

            // Two of three nodes gone: no quorum, so no keep-alive can be acknowledged.
            cluster.stop(1);
            cluster.stop(2);
            SessionLostException lost = session.lost().get(60, TimeUnit.SECONDS);
            assertThat(lost.sessionId()).isEqualTo(session.id());
            assertThat(session.isAlive()).isFalse();
            assertThat(lock.isHeld()).isFalse();

            cluster.start(1);
            cluster.start(2);
            cluster.awaitLeader();
            // Once lost, never alive again, even now that keep-alives could be acknowledged.
            assertThat(session.isAlive()).isFalse();
            try (Session next = client.newSession(Duration.ofSeconds(2))) {
                // The store ends the old session (the client's revoke, or its TTL), and the lock passes on.
                assertThat(next.lock("quorum-loss").tryAcquire(PATIENCE)).isPresent();
            }
            assertThat(session.isAlive()).isFalse();
        }
    }

    @Test
    void aSessionIsLostWhenAnotherClusterAnswersOnItsEndpoints() throws Exception {
        InJvmCluster first = new InJvmCluster(dir.resolve("first"), 3).startAll();
        List<String> addresses = first.addresses();
        try (LeaseholdClient client = new LeaseholdClient(SessionsAndLocksClientTest.endpoints(first))) {
            first.awaitLeader();
            Session session = client.newSession(Duration.ofSeconds(10));
            FencingToken token = session.lock("renamed").acquire();
            assertThat(session.clusterId()).isNotEmpty();
            assertThat(token.clusterId()).isEqualTo(session.clusterId());
            first.close();

            try (InJvmCluster second = new InJvmCluster(dir.resolve("second"), addresses).startAll()) {
                second.awaitLeader();

                SessionLostException lost = session.lost().get(60, TimeUnit.SECONDS);
                assertThat(lost.getMessage()).contains("not " + session.clusterId() + " that granted it");
                assertThat(session.isAlive()).isFalse();
            }
        } finally {
            first.close();
        }
    }

    @Test
    void aWriteToANodeWithoutALeaderIsSentAgainSinceTheNodeSaysItWasNotApplied() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long follower = leader % 3 + 1;
            long other = 6 - leader - follower;
            cluster.stop(leader);
            cluster.stop(other);
            Endpoint alone = Endpoint.parse(cluster.addresses().get((int) follower - 1));

            try (LeaseholdClient client = new LeaseholdClient(List.of(alone), Duration.ofSeconds(2))) {
                // forwarded to a leader that is gone, or refused for want of one: either way certainly not
                // applied, so the client keeps trying until its deadline instead of calling the outcome unknown
                ClusterUnavailableException e = catchThrowableOfType(ClusterUnavailableException.class,
                        () -> client.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                                .setValue(ByteString.copyFromUtf8("v")).build()));
                assertThat(e.anyNodeReached()).isTrue();
            }
        }
    }
}
