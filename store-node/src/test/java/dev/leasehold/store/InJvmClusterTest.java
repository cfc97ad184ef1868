package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.RangeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InJvmClusterTest {

    @TempDir
    Path dir;

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void aWriteThroughAFollowerIsReadLinearizablyFromEveryNode() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            long follower = leader % 3 + 1;

            var put = cluster.kv(follower).put(PutRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v1")).build());
            assertThat(put.getHeader().getRevision()).isEqualTo(1);

            for (long id = 1; id <= 3; id++) {
                var got = cluster.kv(id).get(GetRequest.newBuilder().setKey(bytes("k")).build());
                assertThat(got.getFound()).isTrue();
                assertThat(got.getKv().getValue().toStringUtf8()).isEqualTo("v1");
                assertThat(got.getKv().getModRevision()).isEqualTo(1);
            }
            var range = cluster.kv(leader).range(RangeRequest.newBuilder().setPrefix(bytes("")).build());
            assertThat(range.getKvsList()).hasSize(1);
            assertThat(cluster.fatalErrors()).isEmpty();
        }
    }

    @Test
    void everyNodeReportsServingOnceALeaderIsKnownAndExportsRaftMetrics() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            cluster.awaitLeader();
            for (long id = 1; id <= 3; id++) {
                var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(cluster.channel(id));
                long node = id;
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                        health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus()
                                == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
                assertThat(cluster.nodes.get(node).metrics().scrape())
                        .contains("leasehold_raft_term").contains("leasehold_raft_commit_index")
                        .contains("leasehold_fsync_latency");
            }
        }
    }

    @Test
    void aFollowerThatMissedCompactedEntriesCatchesUpFromASnapshot() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3)) {
            cluster.snapshotThreshold = 50;
            cluster.startAll();
            long leader = cluster.awaitLeader();
            long lagging = leader % 3 + 1;
            cluster.stop(lagging);
            for (int i = 0; i < 300; i++) {
                cluster.kv(leader).put(PutRequest.newBuilder().setKey(bytes("k" + i)).setValue(bytes("v" + i)).build());
            }
            cluster.start(lagging);
            long commit = cluster.status(leader).getCommitIndex();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> cluster.status(lagging).getAppliedIndex() >= commit);
            assertThat(cluster.nodes.get(lagging).metrics().scrape())
                    .containsPattern("leasehold_snapshots_installed_total\\{[^}]*\\} [1-9]");
            for (int i = 0; i < 300; i += 37) {
                var got = cluster.kv(lagging).get(GetRequest.newBuilder().setKey(bytes("k" + i))
                        .setConsistency(Consistency.SERIALIZABLE).build());
                assertThat(got.getKv().getValue().toStringUtf8()).isEqualTo("v" + i);
            }
            assertThat(cluster.fatalErrors()).isEmpty();
        }
    }

    @Test
    void anEmptyKeyIsRefusedNamingTheField() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 1).startAll()) {
            cluster.awaitLeader();
            assertThatThrownBy(() -> cluster.kv(1).put(PutRequest.newBuilder().setValue(bytes("v")).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains("key");
                    });
        }
    }

    @Test
    void aSerializableReadIsServedFromTheNodesOwnState() throws Exception {
        try (InJvmCluster cluster = new InJvmCluster(dir, 3).startAll()) {
            long leader = cluster.awaitLeader();
            cluster.kv(leader).put(PutRequest.newBuilder().setKey(bytes("a")).setValue(bytes("1")).build());
            var got = cluster.kv(leader).get(GetRequest.newBuilder().setKey(bytes("a"))
                    .setConsistency(Consistency.SERIALIZABLE).build());
            assertThat(got.getKv().getValue().toStringUtf8()).isEqualTo("1");
        }
    }
}
