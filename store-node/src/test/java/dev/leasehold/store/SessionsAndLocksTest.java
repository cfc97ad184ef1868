package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.CancelAcquireRequest;
import dev.leasehold.api.v1.DescribeLockRequest;
import dev.leasehold.api.v1.DescribeSessionRequest;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.ReleaseRequest;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.ValidateFenceRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Session and Lock services of a 3-node cluster in this JVM, over real gRPC and RocksDB. */
class SessionsAndLocksTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void everyNodeKnowsTheSameClusterIdAndSessionsAndAnswersCarryIt() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            String id = cluster.status(leader).getClusterId();
            assertThat(id).isNotEmpty();
            for (long node = 1; node <= 3; node++) {
                long n = node;
                await().atMost(PATIENCE).until(() -> cluster.status(n).getClusterId().equals(id));
            }
            long follower = leader % 3 + 1;

            var granted = sessions(cluster, follower).grant(GrantRequest.newBuilder().setTtlMillis(10_000).build());
            assertThat(granted.getClusterId()).isEqualTo(id);
            assertThat(granted.getHeader().getClusterId()).isEqualTo(id);
            assertThat(keepAliveOnce(cluster, leader, granted.getSessionId(), 1).getClusterId()).isEqualTo(id);
            var tried = LockGrpc.newBlockingStub(cluster.channel(follower)).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .tryAcquire(AcquireRequest.newBuilder().setName("named").setSessionId(granted.getSessionId())
                            .setInvocationId(1).build());
            assertThat(tried.getAcquired()).isTrue();
            assertThat(tried.getClusterId()).isEqualTo(id);
            assertThat(cluster.kv(follower).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFromUtf8("v")).build()).getHeader().getClusterId()).isEqualTo(id);

            cluster.stop(leader);
            cluster.start(leader);
            await().atMost(PATIENCE).until(() -> cluster.status(leader).getClusterId().equals(id));
        }
    }

    @Test
    void keepAlivesAreAnsweredByTheLeaderOnlyAndEchoTheirSequence() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long follower = leader % 3 + 1;
            long session = sessions(cluster, follower).grant(GrantRequest.newBuilder().setTtlMillis(10_000).build())
                    .getSessionId();

            KeepAliveResponse fromLeader = keepAliveOnce(cluster, leader, session, 7);
            assertThat(fromLeader.getResult()).isEqualTo(KeepAliveResponse.Result.ALIVE);
            assertThat(fromLeader.getSequence()).isEqualTo(7);
            assertThat(fromLeader.getTtlMillis()).isEqualTo(10_000);

            KeepAliveResponse fromFollower = keepAliveOnce(cluster, follower, session, 8);
            assertThat(fromFollower.getResult()).isEqualTo(KeepAliveResponse.Result.NOT_LEADER);
            assertThat(fromFollower.getLeader()).isEqualTo(leader);

            assertThat(keepAliveOnce(cluster, leader, session + 1_000, 9).getResult())
                    .isEqualTo(KeepAliveResponse.Result.ENDED);
        }
    }

    @Test
    void aSessionWithoutKeepAlivesEndsNoEarlierThanItsTtlAfterTheGrantWasSent() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long sent = System.nanoTime();
            long session = sessions(cluster, leader).grant(GrantRequest.newBuilder().setTtlMillis(1_500).build())
                    .getSessionId();

            await().atMost(PATIENCE).until(() -> !sessions(cluster, leader)
                    .describe(DescribeSessionRequest.newBuilder().setSessionId(session).build()).getAlive());

            assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1_500));
        }
    }

    @Test
    void aNewLeaderGivesEverySessionAFullTtlSoNoLeaseEndsEarlyAcrossALeaderChange() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long session = grant(cluster, leader, 3_000);
            long sent = 0;
            for (int i = 1; i <= 5; i++) { // keep it alive for a while, so that its grant is long past
                Thread.sleep(300);
                sent = System.nanoTime();
                assertThat(keepAliveOnce(cluster, leader, session, i).getResult())
                        .isEqualTo(KeepAliveResponse.Result.ALIVE);
            }
            long lastSent = sent;

            cluster.stop(leader);
            long successor = cluster.awaitLeader();
            await().atMost(PATIENCE).until(() -> !sessions(cluster, successor)
                    .describe(DescribeSessionRequest.newBuilder().setSessionId(session).build()).getAlive());

            // the client counts 3 s from the last acknowledged keep-alive it sent; the store must not end it earlier
            assertThat(System.nanoTime() - lastSent).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(3_000));
        }
    }

    @Test
    void waitersAreGrantedInOrderAndTheHoldersExpiryPassesTheLockOn() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long follower = leader % 3 + 1;
            long holder = grant(cluster, leader, 1_500);
            long first = grant(cluster, leader, 60_000);
            long second = grant(cluster, leader, 60_000);

            var tried = locks(cluster, follower).tryAcquire(acquire("L", holder, 1));
            assertThat(tried.getAcquired()).isTrue();

            BlockingQueue<Object> firstEvents = acquireAsync(cluster, follower, acquire("L", first, 1));
            awaitQueued(firstEvents, 1);
            BlockingQueue<Object> secondEvents = acquireAsync(cluster, leader, acquire("L", second, 1));
            awaitQueued(secondEvents, 2);
            assertThat(locks(cluster, leader).describe(DescribeLockRequest.newBuilder().setName("L").build())
                    .getWaitersList()).containsExactly(first, second);

            // the holder sends no keep-alives: its session expires and the lock goes to the first waiter
            long firstToken = awaitGranted(firstEvents);
            assertThat(firstToken).isGreaterThan(tried.getToken());
            awaitQueued(secondEvents, 1); // moved up the queue

            var released = locks(cluster, follower).release(ReleaseRequest.newBuilder().setName("L")
                    .setSessionId(first).setToken(firstToken).build());
            assertThat(released.getReleased()).isTrue();
            assertThat(awaitGranted(secondEvents)).isGreaterThan(firstToken);
        }
    }

    @Test
    void aWaiterBehindOneThatCancelsIsToldItsNewPlaceAtOnce() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long holder = grant(cluster, leader, 60_000);
            long cancelling = grant(cluster, leader, 60_000);
            long behind = grant(cluster, leader, 60_000);
            assertThat(locks(cluster, leader).tryAcquire(acquire("L", holder, 1)).getAcquired()).isTrue();
            BlockingQueue<Object> cancellingEvents = acquireAsync(cluster, leader, acquire("L", cancelling, 1));
            awaitQueued(cancellingEvents, 1);
            BlockingQueue<Object> behindEvents = acquireAsync(cluster, leader, acquire("L", behind, 1));
            awaitQueued(behindEvents, 2);

            assertThat(locks(cluster, leader).cancelAcquire(CancelAcquireRequest.newBuilder().setName("L")
                    .setSessionId(cancelling).setInvocationId(1).build()).getCancelled()).isTrue();

            awaitQueued(behindEvents, 1); // nothing else happens to the lock: only the cancel can have said so
        }
    }

    @Test
    void aWriteFencedWithAStaleTokenIsRefusedAndChangesNothing() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long a = grant(cluster, leader, 60_000);
            long b = grant(cluster, leader, 60_000);
            long oldToken = locks(cluster, leader).tryAcquire(acquire("L", a, 1)).getToken();
            cluster.kv(leader).put(fencedPut("k", "a", "L", oldToken));

            locks(cluster, leader).release(ReleaseRequest.newBuilder().setName("L").setSessionId(a)
                    .setToken(oldToken).build());
            long newToken = locks(cluster, leader).tryAcquire(acquire("L", b, 1)).getToken();

            assertThatThrownBy(() -> cluster.kv(leader % 3 + 1).put(fencedPut("k", "stale", "L", oldToken)))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).startsWith("fence:");
                    });
            assertThat(cluster.kv(leader).get(dev.leasehold.api.v1.GetRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k")).build()).getKv().getValue().toStringUtf8()).isEqualTo("a");
            var lockStub = locks(cluster, leader);
            assertThat(lockStub.validateFence(ValidateFenceRequest.newBuilder().setName("L").setToken(newToken)
                    .build()).getValid()).isTrue();
            assertThat(lockStub.validateFence(ValidateFenceRequest.newBuilder().setName("L").setToken(oldToken)
                    .build()).getValid()).isFalse();
        }
    }

    @Test
    void badRequestsAreRefusedNamingTheField() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            assertInvalid(() -> sessions(cluster, leader).grant(GrantRequest.newBuilder().setTtlMillis(500).build()),
                    "ttl_millis");
            assertInvalid(() -> locks(cluster, leader).tryAcquire(acquire("", 5, 1)), "name");
            assertInvalid(() -> locks(cluster, leader).tryAcquire(acquire("L", 5, 0)), "invocation_id");
            assertInvalid(() -> locks(cluster, leader).tryAcquire(acquire("L", 424_242, 1)), "session_id");
            assertInvalid(() -> cluster.kv(leader).put(fencedPut("k", "v", "L", 0)), "fence.token");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void assertInvalid(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).startsWith(field);
        });
    }

    private static SessionGrpc.SessionBlockingStub sessions(InJvmCluster cluster, long id) {
        return SessionGrpc.newBlockingStub(cluster.channel(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static LockGrpc.LockBlockingStub locks(InJvmCluster cluster, long id) {
        return LockGrpc.newBlockingStub(cluster.channel(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static long grant(InJvmCluster cluster, long id, long ttlMillis) {
        return sessions(cluster, id).grant(GrantRequest.newBuilder().setTtlMillis(ttlMillis).build()).getSessionId();
    }

    private static AcquireRequest acquire(String lock, long session, long invocation) {
        return AcquireRequest.newBuilder().setName(lock).setSessionId(session).setInvocationId(invocation).build();
    }

    private static PutRequest fencedPut(String key, String value, String lock, long token) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .setFence(Fence.newBuilder().setLock(lock).setToken(token)).build();
    }

    private static KeepAliveResponse keepAliveOnce(InJvmCluster cluster, long id, long session, long sequence)
            throws InterruptedException {
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<KeepAliveRequest> requests = SessionGrpc.newStub(cluster.channel(id))
                .keepAlive(collector(answers));
        requests.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(sequence).build());
        Object answer = answers.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        requests.onCompleted();
        assertThat(answer).isInstanceOf(KeepAliveResponse.class);
        return (KeepAliveResponse) answer;
    }

    private static BlockingQueue<Object> acquireAsync(InJvmCluster cluster, long id, AcquireRequest request) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        LockGrpc.newStub(cluster.channel(id)).withDeadlineAfter(60, TimeUnit.SECONDS).acquire(request,
                collector(events));
        return events;
    }

    private static void awaitQueued(BlockingQueue<Object> events, long position) throws InterruptedException {
        Object e = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(e).isInstanceOfSatisfying(AcquireEvent.class, event -> {
            assertThat(event.hasQueued()).isTrue();
            assertThat(event.getQueued().getPosition()).isEqualTo(position);
        });
    }

    /** Skips position updates; the token of the grant. */
    private static long awaitGranted(BlockingQueue<Object> events) throws InterruptedException {
        while (true) {
            Object e = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(e).isInstanceOf(AcquireEvent.class);
            AcquireEvent event = (AcquireEvent) e;
            if (event.hasGranted()) {
                return event.getGranted().getToken();
            }
        }
    }

    private static <T> StreamObserver<T> collector(BlockingQueue<Object> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {
                into.add(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
