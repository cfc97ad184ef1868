package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.store.InJvmCluster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions, locks and elections of the Java client against a real 3-node cluster in this JVM. */
class SessionsAndLocksClientTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    private static InJvmCluster cluster;
    private static LeaseholdClient client;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new InJvmCluster(dir, 3).startAll();
        cluster.awaitLeader();
        client = new LeaseholdClient(endpoints(cluster));
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    static List<Endpoint> endpoints(InJvmCluster c) {
        return c.addresses().stream().map(Endpoint::parse).toList();
    }

    @Test
    void aSessionKeptAliveOutlivesItsTtlManyTimesOver() throws Exception {
        try (Session session = client.newSession(Duration.ofSeconds(1))) {
            long firstDeadline = session.deadlineNanos();

            Thread.sleep(3_500);

            assertThat(session.isAlive()).isTrue();
            assertThat(session.deadlineNanos()).isGreaterThan(firstDeadline);
            assertThat(describe(session.id()).getAlive()).isTrue();
        }
    }

    @Test
    void theDeadlineIsCountedFromWhenTheAcknowledgedKeepAliveWasSentLessTheDriftMargin() {
        long before = System.nanoTime();
        try (Session session = client.newSession(TTL)) {
            long after = System.nanoTime();
            long margin = SessionOptions.defaultDriftMargin(TTL).toNanos();

            // The grant counts as the first keep-alive: sent after `before`, so the deadline is no later than
            // `after` + TTL - margin, and no earlier than `before` + TTL - margin.
            assertThat(session.deadlineNanos()).isBetween(before + TTL.toNanos() - margin,
                    after + TTL.toNanos() - margin);
            assertThat(session.remaining()).isLessThanOrEqualTo(TTL.minus(SessionOptions.defaultDriftMargin(TTL)));
        }
    }

    @Test
    void closingASessionRevokesItAndReleasesItsLocks() throws Exception {
        Session session = client.newSession(TTL);
        DistributedLock lock = session.lock("close-releases");
        lock.acquire();

        session.close();

        assertThat(session.isAlive()).isFalse();
        assertThat(session.lost()).isCompleted();
        assertThat(lock.isHeld()).isFalse();
        assertThat(client.describeLock("close-releases").getHeld()).isFalse();
        assertThat(describe(session.id()).getAlive()).isFalse();
    }

    @Test
    void anOwnerKeyGetsOneSessionForeverAndNeverASecondAfterItEnded() {
        SessionOptions options = SessionOptions.ttl(TTL).withOwner("owner-" + System.nanoTime());
        Session first = client.newSession(options);
        Session again = client.newSession(options);
        assertThat(again.id()).isEqualTo(first.id());

        first.close();

        assertThatThrownBy(() -> client.newSession(options))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("SESSION_ENDED");
                });
    }

    @Test
    void badSessionOptionsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> SessionOptions.ttl(Duration.ofMillis(500))).hasMessageContaining("ttl");
        assertThatThrownBy(() -> SessionOptions.ttl(Duration.ofMinutes(6))).hasMessageContaining("ttl");
        assertThatThrownBy(() -> SessionOptions.ttl(TTL).withOwner(" ")).hasMessageContaining("owner");
        assertThatThrownBy(() -> SessionOptions.ttl(TTL).withDriftMargin(TTL)).hasMessageContaining("driftMargin");
    }

    @Test
    void waitersAreGrantedInTheOrderTheyCameWithIncreasingTokens() throws Exception {
        try (Session a = client.newSession(TTL); Session b = client.newSession(TTL);
             Session c = client.newSession(TTL)) {
            DistributedLock lockA = a.lock("fifo");
            FencingToken first = lockA.acquire();
            DistributedLock lockB = b.lock("fifo");
            DistributedLock lockC = c.lock("fifo");
            List<Long> grantedTo = new CopyOnWriteArrayList<>();
            CompletableFuture<FencingToken> second = waitFor(lockB, grantedTo, b.id());
            await().atMost(PATIENCE).until(() -> lockB.queuePosition() == 1);
            CompletableFuture<FencingToken> third = waitFor(lockC, grantedTo, c.id());
            await().atMost(PATIENCE).until(() -> lockC.queuePosition() == 2);
            assertThat(client.describeLock("fifo").getWaitersList()).containsExactly(b.id(), c.id());

            assertThat(lockA.release()).isTrue();
            FencingToken secondToken = second.get(30, TimeUnit.SECONDS);
            await().atMost(PATIENCE).until(() -> lockC.queuePosition() == 1);
            assertThat(lockB.release()).isTrue();
            FencingToken thirdToken = third.get(30, TimeUnit.SECONDS);

            assertThat(grantedTo).containsExactly(b.id(), c.id());
            assertThat(secondToken).isGreaterThan(first);
            assertThat(thirdToken).isGreaterThan(secondToken);
            assertThat(lockC.isHeld()).isTrue();
            assertThat(lockC.token()).contains(thirdToken);
        }
    }

    @Test
    void tryAcquireWithoutATimeoutNeverQueues() throws Exception {
        try (Session holder = client.newSession(TTL); Session other = client.newSession(TTL)) {
            FencingToken held = holder.lock("try-zero").acquire();

            assertThat(other.lock("try-zero").tryAcquire(Duration.ZERO)).isEmpty();
            assertThat(client.describeLock("try-zero").getWaitersCount()).isZero();
            assertThat(client.describeLock("try-zero").getHolder().getToken()).isEqualTo(held.value());
        }
        try (Session later = client.newSession(TTL)) {
            assertThat(later.lock("try-zero").tryAcquire(Duration.ZERO)).isPresent();
        }
    }

    @Test
    void aTryAcquireWhoseTimeoutPassesLeavesTheQueue() throws Exception {
        try (Session holder = client.newSession(TTL); Session other = client.newSession(TTL)) {
            DistributedLock held = holder.lock("try-timeout");
            held.acquire();

            assertThat(other.lock("try-timeout").tryAcquire(Duration.ofMillis(300))).isEmpty();

            assertThat(client.describeLock("try-timeout").getWaitersCount()).isZero();
            held.release();
            assertThat(client.describeLock("try-timeout").getHeld()).isFalse();
        }
    }

    @Test
    void anInterruptedAcquireLeavesTheQueue() throws Exception {
        try (Session holder = client.newSession(TTL); Session other = client.newSession(TTL)) {
            holder.lock("interrupt").acquire();
            DistributedLock waiting = other.lock("interrupt");
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    waiting.acquire();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            waiter.start();
            await().atMost(PATIENCE).until(() -> waiting.queuePosition() == 1);

            waiter.interrupt();

            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(client.describeLock("interrupt").getWaitersCount()).isZero();
            assertThat(waiting.isHeld()).isFalse();
        }
    }

    @Test
    void aFencedWriteOfAFormerHolderIsRejectedAndTheCurrentOneIsAccepted() throws Exception {
        ByteString key = ByteString.copyFromUtf8("fenced/resource");
        try (Session first = client.newSession(TTL); Session second = client.newSession(TTL)) {
            DistributedLock firstLock = first.lock("fence");
            FencingToken old = firstLock.acquire();
            client.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("1"))
                    .setFence(old.toFence()).build());
            firstLock.release();
            FencingToken current = second.lock("fence").acquire();

            assertThatThrownBy(() -> client.put(PutRequest.newBuilder().setKey(key)
                    .setValue(ByteString.copyFromUtf8("stale")).setFence(old.toFence()).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
            client.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("2"))
                    .setFence(current.toFence()).build());
            assertThat(client.validateFence(old)).isFalse();
            assertThat(client.validateFence(current)).isTrue();
        }
    }

    @Test
    void theOneWhoCampaignedNextLeadsWhenTheLeaderResigns() throws Exception {
        try (Session a = client.newSession(TTL); Session b = client.newSession(TTL)) {
            LeaderElection byA = client.leaderElection(a, "scheduler");
            LeaderElection byB = client.leaderElection(b, "scheduler");
            List<Optional<LeaderElection.Leader>> seen = new CopyOnWriteArrayList<>();
            FencingToken termA = byA.campaign("host-a");
            try (AutoCloseable observing = byB.observe(Duration.ofMillis(50), seen::add)) {
                CompletableFuture<FencingToken> termB = CompletableFuture.supplyAsync(() -> {
                    try {
                        return byB.campaign("host-b");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(PATIENCE).until(() -> client.describeLock("leasehold/election/scheduler")
                        .getWaitersCount() == 1);
                assertThat(byA.leader()).map(LeaderElection.Leader::value).contains("host-a");
                assertThat(byA.isLeader()).isTrue();
                assertThat(byB.isLeader()).isFalse();

                byA.resign();

                assertThat(termB.get(30, TimeUnit.SECONDS)).isGreaterThan(termA);
                assertThat(byB.isLeader()).isTrue();
                await().atMost(PATIENCE).until(() -> byA.leader().map(LeaderElection.Leader::value)
                        .equals(Optional.of("host-b")));
                await().atMost(PATIENCE).until(() -> seen.stream().flatMap(Optional::stream)
                        .map(LeaderElection.Leader::value).toList().contains("host-b"));
                assertThat(seen.stream().flatMap(Optional::stream).map(LeaderElection.Leader::value).distinct())
                        .containsExactly("host-a", "host-b");
            }
        }
    }

    private static CompletableFuture<FencingToken> waitFor(DistributedLock lock, List<Long> grantedTo, long id) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                FencingToken t = lock.acquire();
                grantedTo.add(id);
                return t;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static DescribeSessionResponse describe(long session) {
        return client.describeSession(session);
    }
}
