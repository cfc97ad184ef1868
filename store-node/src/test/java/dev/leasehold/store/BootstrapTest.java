package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.BootstrapRequest;
import dev.leasehold.api.v1.BootstrapResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.raft.RaftNode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Bootstrap} as the operator uses it on Kubernetes (DESIGN.md, store nodes and their identity): nodes started
 * to join, with no peer list, never elect a leader by themselves; one call on each initial member makes them a
 * cluster with the given id; a repeat answers as the first did; another id, a statically bootstrapped node and bad
 * requests are refused without changing anything.
 */
class BootstrapTest {

    private static final String CLUSTER_ID = "6f1c9a52-0d3e-4b8e-9a71-2c5d8e4f1a0b";

    @TempDir
    Path dir;

    /** A node as the operator's StatefulSet starts it: joining, knowing no peer. */
    private static StoreNode startJoining(InJvmCluster cluster, long id) throws Exception {
        String address = cluster.addresses.get(id);
        int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
        return cluster.start(NodeConfig.of(id, new InetSocketAddress("127.0.0.1", port), address, Map.of(),
                cluster.root.resolve("node-" + id)).withTiming(Duration.ofMillis(50), 10, 1).joining());
    }

    private static BootstrapRequest request(InJvmCluster cluster, String clusterId) {
        BootstrapRequest.Builder b = BootstrapRequest.newBuilder().setClusterId(clusterId);
        cluster.addresses.forEach((id, address) -> b.addMembers(Member.newBuilder().setId(id).setAddress(address)));
        return b.build();
    }

    private static BootstrapResponse bootstrap(InJvmCluster cluster, long id, BootstrapRequest request) {
        return cluster.cluster(id).bootstrap(request);
    }

    @Test
    void joiningNodesStayLeaderlessUntilBootstrappedThenFormTheNamedCluster() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3)) {
            for (long id = 1; id <= 3; id++) {
                startJoining(cluster, id);
            }
            // twenty election timeouts of 500 ms: a node that could elect itself would have
            Awaitility.await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).until(() ->
                    cluster.nodes.values().stream().allMatch(n -> n.driver().status().leader() == RaftNode.NONE
                            && n.driver().status().term() == 0));

            for (long id = 1; id <= 3; id++) {
                BootstrapResponse answer = bootstrap(cluster, id, request(cluster, CLUSTER_ID));
                assertThat(answer.getBootstrapped()).as("node %d bootstrapped by this call", id).isTrue();
                assertThat(answer.getClusterId()).isEqualTo(CLUSTER_ID);
            }
            long leader = cluster.awaitLeader();
            for (long id = 1; id <= 3; id++) {
                long node = id;
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                        cluster.status(node).getClusterId().equals(CLUSTER_ID));
                var status = cluster.status(id);
                assertThat(status.getMembersList()).extracting(Member::getId).containsExactly(1L, 2L, 3L);
                assertThat(status.getMembersList()).extracting(Member::getAddress)
                        .containsExactlyElementsOf(cluster.addresses.values());
                assertThat(status.getMembersList()).noneMatch(Member::getLearner);
            }
            long follower = leader % 3 + 1;
            var put = cluster.kv(follower).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setValue(ByteString.copyFromUtf8("v")).build());
            assertThat(put.getHeader().getClusterId()).isEqualTo(CLUSTER_ID);
            for (long id = 1; id <= 3; id++) {
                assertThat(cluster.kv(id).get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build())
                        .getKv().getValue().toStringUtf8()).isEqualTo("v");
            }
            assertThat(cluster.fatalErrors()).isEmpty();
        }
    }

    @Test
    void aRepeatAnswersAsTheFirstAlsoAfterARestartAndAnotherClusterIdIsRefused() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3)) {
            for (long id = 1; id <= 3; id++) {
                startJoining(cluster, id);
                bootstrap(cluster, id, request(cluster, CLUSTER_ID));
            }
            cluster.awaitLeader();
            assertThat(bootstrap(cluster, 2, request(cluster, CLUSTER_ID)).getBootstrapped()).isFalse();

            cluster.stop(3);
            startJoining(cluster, 3);
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                BootstrapResponse again = bootstrap(cluster, 3, request(cluster, CLUSTER_ID));
                assertThat(again.getBootstrapped()).isFalse();
                assertThat(again.getClusterId()).isEqualTo(CLUSTER_ID);
            });

            assertThatThrownBy(() -> bootstrap(cluster, 1, request(cluster, "another-cluster")))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                            .isEqualTo(Status.Code.FAILED_PRECONDITION))
                    .hasMessageContaining(CLUSTER_ID).hasMessageContaining("another-cluster");
            assertThat(cluster.status(1).getClusterId()).isEqualTo(CLUSTER_ID);
        }
    }

    @Test
    void aNodeWhosePeersWereBootstrappedFirstAnswersByTheIdItReceived() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3)) {
            for (long id = 1; id <= 3; id++) {
                startJoining(cluster, id);
            }
            bootstrap(cluster, 1, request(cluster, CLUSTER_ID));
            bootstrap(cluster, 2, request(cluster, CLUSTER_ID));
            cluster.awaitLeader();
            // node 3, never called, is sent the first entries by the leader
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    cluster.nodes.get(3L).stateMachine().clusterId().equals(CLUSTER_ID));

            BootstrapResponse late = bootstrap(cluster, 3, request(cluster, CLUSTER_ID));
            assertThat(late.getBootstrapped()).isFalse();
            assertThat(late.getClusterId()).isEqualTo(CLUSTER_ID);
            assertThat(cluster.status(3).getMembersList()).hasSize(3);
        }
    }

    @Test
    void aNodeStartedWithAStaticPeerListRefusesToBeBootstrapped() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            cluster.awaitLeader();
            String own = cluster.nodes.get(1L).stateMachine().clusterId();
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThatThrownBy(() -> bootstrap(cluster, 1, request(cluster, CLUSTER_ID)))
                            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                                    .isEqualTo(Status.Code.FAILED_PRECONDITION))
                            .hasMessageContaining(own));
        }
    }

    @Test
    void aBadRequestIsRefusedNamingTheFieldAndLeavesTheNodeBootstrappable() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 1)) {
            startJoining(cluster, 1);
            BootstrapRequest good = request(cluster, CLUSTER_ID);
            Member self = good.getMembers(0);
            Map<BootstrapRequest, String> bad = Map.of(
                    good.toBuilder().setClusterId("").build(), "cluster_id must not be empty",
                    good.toBuilder().setClusterId("has space").build(), "cluster_id must be",
                    good.toBuilder().clearMembers().build(), "members must list",
                    good.toBuilder().addMembers(self).build(), "members[1].id 1 is listed twice",
                    good.toBuilder().setMembers(0, self.toBuilder().setId(0)).build(), "members[0].id must be",
                    good.toBuilder().setMembers(0, self.toBuilder().setAddress("nohost")).build(),
                    "members[0].address must be host:port",
                    good.toBuilder().setMembers(0, self.toBuilder().setLearner(true)).build(),
                    "members[0].learner must be false",
                    good.toBuilder().setMembers(0, self.toBuilder().setId(7)).build(),
                    "members must include this node, id 1");
            bad.forEach((request, message) -> {
                AtomicReference<Status> refused = new AtomicReference<>();
                assertThatThrownBy(() -> bootstrap(cluster, 1, request))
                        .satisfies(e -> refused.set(Status.fromThrowable(e)));
                assertThat(refused.get().getCode()).as(message).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(refused.get().getDescription()).contains(message);
            });
            assertThat(cluster.nodes.get(1L).driver().status().lastIndex()).isZero();

            assertThat(bootstrap(cluster, 1, good).getBootstrapped()).isTrue();
            cluster.awaitLeader();
        }
    }

    @Test
    void aNodeOfAnotherClusterRefusesTheMessagesOfALeaderThatAddedItByMistake() throws Exception {
        try (InJvmCluster a = new InJvmCluster(dir.resolve("a"), 3).startAll();
             InJvmCluster b = new InJvmCluster(dir.resolve("b"), 4)) {
            long leaderA = a.awaitLeader();
            // b is a one-node cluster of its own whose node has an id a does not use
            String address = b.addresses.get(4L);
            int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
            StoreNode other = b.start(NodeConfig.of(4, new InetSocketAddress("127.0.0.1", port), address,
                    Map.of(4L, address), b.root.resolve("node-4")).withTiming(Duration.ofMillis(50), 10, 1));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !other.stateMachine().clusterId().isEmpty()
                    && other.driver().status().leader() == 4);
            String clusterB = other.stateMachine().clusterId();
            // a's term above b's, so that without the cluster check b's node would follow a's leader
            while (a.status(leaderA).getTerm() <= other.driver().status().term()) {
                long next = leaderA % 3 + 1;
                a.cluster(leaderA).transferLeadership(dev.leasehold.api.v1.TransferLeadershipRequest.newBuilder()
                        .setTarget(next).build());
                leaderA = a.awaitLeader();
            }
            long termA = a.status(leaderA).getTerm();
            long lastB = other.driver().status().lastIndex();

            long leader = leaderA;
            a.cluster(leader).addLearner(dev.leasehold.api.v1.AddLearnerRequest.newBuilder().setId(4)
                    .setAddress(address).build());

            // twenty heartbeats later: b is still its own cluster, untouched; a's leader is not disturbed
            Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                var s = other.driver().status();
                assertThat(s.leader()).isEqualTo(4);
                assertThat(s.lastIndex()).isEqualTo(lastB);
                assertThat(other.stateMachine().clusterId()).isEqualTo(clusterB);
                assertThat(a.status(leader).getTerm()).isEqualTo(termA);
            });
            assertThat(a.status(leader).getMembersList()).filteredOn(m -> m.getId() == 4).singleElement()
                    .satisfies(m -> assertThat(m.getMatchIndex()).as("b's node took nothing").isZero());
            assertThat(a.fatalErrors()).isEmpty();
            assertThat(b.fatalErrors()).isEmpty();
        }
    }
}
