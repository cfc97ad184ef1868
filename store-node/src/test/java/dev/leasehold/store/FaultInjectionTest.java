package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.leasehold.api.faults.v1.FaultsGrpc;
import dev.leasehold.api.faults.v1.HealRequest;
import dev.leasehold.api.faults.v1.IsolateRequest;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.raft.RaftStatus;
import dev.leasehold.raft.Role;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test-only Faults service (--fault-injection) cuts a node off from its peers, and only when enabled. */
class FaultInjectionTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void anIsolatedLeaderIsReplacedByItsFollowersAndRejoinsAsAFollowerOnceHealed() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).withFaultInjection().startAll()) {
            long old = cluster.awaitLeader();
            List<Long> followers = others(old);

            var answer = faults(cluster, old).isolate(IsolateRequest.newBuilder().addAllPeers(followers).build());
            assertThat(answer.getIsolatedFromList()).containsExactlyInAnyOrderElementsOf(followers);

            long[] successor = new long[1];
            await("the followers of isolated node " + old + " elect one of them").atMost(PATIENCE).until(() -> {
                RaftStatus a = status(cluster, followers.get(0));
                RaftStatus b = status(cluster, followers.get(1));
                successor[0] = a.leader();
                return a.leader() != 0 && a.leader() != old && a.leader() == b.leader() && a.term() == b.term();
            });
            assertThat(followers).contains(successor[0]);
            long successorTerm = status(cluster, successor[0]).term();
            await("isolated node " + old + " steps down (check-quorum)").atMost(PATIENCE)
                    .until(() -> status(cluster, old).role() != Role.LEADER);
            // the cut-off node stays out: it neither disrupts the new leader nor learns of it
            assertThat(status(cluster, successor[0]).role()).isEqualTo(Role.LEADER);
            assertThat(status(cluster, old).leader()).isNotEqualTo(successor[0]);

            faults(cluster, old).heal(HealRequest.getDefaultInstance());
            await("healed node " + old + " follows leader " + successor[0]).atMost(PATIENCE).until(() -> {
                RaftStatus s = status(cluster, old);
                return s.role() == Role.FOLLOWER && s.leader() == successor[0];
            });
            assertThat(cluster.awaitLeader()).isEqualTo(successor[0]);
            assertThat(status(cluster, successor[0]).term()).isEqualTo(successorTerm);
            cluster.kv(old).put(put("after-heal")); // forwarded to the new leader again
            assertThat(cluster.fatalErrors()).isEmpty();
        }
    }

    @Test
    void anIsolatedFollowerRefusesToForwardClientRequestsToTheLeaderItIsCutOffFrom() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).withFaultInjection().startAll()) {
            long leader = cluster.awaitLeader();
            long follower = others(leader).get(0);
            cluster.kv(follower).put(put("before"));

            faults(cluster, follower).isolate(IsolateRequest.newBuilder().addAllPeers(others(follower)).build());

            assertThatThrownBy(() -> cluster.kv(follower).put(put("while-isolated")))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(cluster.kv(leader).put(put("at-the-leader")).getHeader().getRevision()).isEqualTo(2);

            faults(cluster, follower).heal(HealRequest.getDefaultInstance());
            await("healed follower " + follower + " forwards again").atMost(PATIENCE).ignoreExceptions()
                    .until(() -> cluster.kv(follower).put(put("after-heal")).getHeader().getRevision() == 3);
        }
    }

    @Test
    void withoutTheFlagTheFaultsServiceIsNotServed() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();

            assertThatThrownBy(() -> faults(cluster, leader).isolate(IsolateRequest.newBuilder()
                    .addAllPeers(others(leader)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNIMPLEMENTED));
            assertThat(cluster.awaitLeader()).isEqualTo(leader);
        }
    }

    /**
     * DESIGN.md, keep-alive acknowledgement (b): a keep-alive is acknowledged only after a quorum round that began
     * after it arrived confirmed the leader. A leader cut off from its peers still believes it leads for a while;
     * it must acknowledge nothing, neither then nor once its followers have elected a new leader.
     */
    @Test
    void aLeaderCutOffFromItsPeersAcknowledgesNoKeepAlive() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).withFaultInjection().startAll()) {
            long old = cluster.awaitLeader();
            List<Long> followers = others(old);
            long session = SessionGrpc.newBlockingStub(cluster.channel(old)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .grant(GrantRequest.newBuilder().setTtlMillis(30_000).build()).getSessionId();
            BlockingQueue<KeepAliveResponse> answers = new LinkedBlockingQueue<>();
            StreamObserver<KeepAliveRequest> stream = SessionGrpc.newStub(cluster.channel(old))
                    .keepAlive(new StreamObserver<>() {
                        @Override
                        public void onNext(KeepAliveResponse value) {
                            answers.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(1).build());
            assertThat(answers.poll(10, TimeUnit.SECONDS)).extracting(KeepAliveResponse::getResult)
                    .isEqualTo(KeepAliveResponse.Result.ALIVE);

            faults(cluster, old).isolate(IsolateRequest.newBuilder().addAllPeers(followers).build());
            stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(2).build());
            boolean stillLeading = status(cluster, old).role() == Role.LEADER;
            await("the followers of isolated node " + old + " elect one of them").atMost(PATIENCE).until(() -> {
                RaftStatus a = status(cluster, followers.get(0));
                return a.leader() != 0 && a.leader() != old && a.leader() == status(cluster, followers.get(1)).leader();
            });
            stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(3).build());
            Thread.sleep(2_000); // time for any answer to arrive

            assertThat(stillLeading).as("the keep-alive reached a node that still believed it led").isTrue();
            assertThat(answers).allSatisfy(a -> assertThat(a.getResult()).as("answer to %d", a.getSequence())
                    .isNotEqualTo(KeepAliveResponse.Result.ALIVE));
            stream.onCompleted();
        }
    }

    private static List<Long> others(long id) {
        return List.of(id % 3 + 1, (id + 1) % 3 + 1);
    }

    private static RaftStatus status(InJvmCluster cluster, long id) {
        return cluster.nodes.get(id).driver().status();
    }

    private static FaultsGrpc.FaultsBlockingStub faults(InJvmCluster cluster, long id) {
        return FaultsGrpc.newBlockingStub(cluster.channel(id)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v"))
                .build();
    }
}
