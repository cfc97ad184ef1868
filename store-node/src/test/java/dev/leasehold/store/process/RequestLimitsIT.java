package dev.leasehold.store.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The size limits of the public API, asked of the leader and of a follower of three node processes: a request over
 * a limit is answered INVALID_ARGUMENT with a message naming the field; a request exactly at a limit is served.
 */
class RequestLimitsIT {

    private static final int KEY_LIMIT = 4 * 1024;
    private static final int VALUE_LIMIT = 1024 * 1024;
    private static final Duration CALL = Duration.ofSeconds(15);

    @TempDir
    static Path dir;

    private static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.builder(dir, "RequestLimitsIT").size(3).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ByteString bytes(int size, char fill) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) fill);
        return ByteString.copyFrom(b);
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** The leader and one follower each answer the call with INVALID_ARGUMENT naming {@code field}. */
    private static void assertRefusedByLeaderAndFollower(String field, Consumer<KVGrpc.KVBlockingStub> call) {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower = cluster.nodes().stream().filter(n -> n.id() != leader.id()).findFirst().orElseThrow();
        for (NodeProcess node : new NodeProcess[] {leader, follower}) {
            assertThatThrownBy(() -> call.accept(node.kv(CALL)))
                    .as("node %d (%s)", node.id(), node == leader ? "leader" : "follower")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains(field);
                    });
        }
    }

    @Test
    void anEmptyKeyIsRefusedNamingTheKey() {
        assertRefusedByLeaderAndFollower("key", kv -> kv.put(PutRequest.newBuilder().setValue(utf8("v")).build()));
        assertRefusedByLeaderAndFollower("key", kv -> kv.get(GetRequest.getDefaultInstance()));
        assertRefusedByLeaderAndFollower("key", kv -> kv.delete(DeleteRequest.getDefaultInstance()));
    }

    @Test
    void aKeyOf4097BytesIsRefusedNamingTheKey() {
        ByteString key = bytes(KEY_LIMIT + 1, 'k');
        assertRefusedByLeaderAndFollower("key is 4097 bytes",
                kv -> kv.put(PutRequest.newBuilder().setKey(key).setValue(utf8("v")).build()));
        assertRefusedByLeaderAndFollower("key is 4097 bytes",
                kv -> kv.get(GetRequest.newBuilder().setKey(key).build()));
    }

    @Test
    void aValueOfOneMebibytePlusOneByteIsRefusedNamingTheValue() {
        ByteString value = bytes(VALUE_LIMIT + 1, 'v');
        assertRefusedByLeaderAndFollower("value is 1048577 bytes",
                kv -> kv.put(PutRequest.newBuilder().setKey(utf8("limits/too-big")).setValue(value).build()));
        GetResponse got = cluster.awaitLeader().kv(CALL).get(GetRequest.newBuilder()
                .setKey(utf8("limits/too-big")).build());
        assertThat(got.getFound()).as("a refused put wrote nothing").isFalse();
    }

    @Test
    void aRequestOverTwoMebibytesIsRefusedNamingTheRequest() {
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
            txn.addSuccess(TxnOp.newBuilder().setPut(PutRequest.newBuilder().setKey(utf8("limits/txn-" + i))
                    .setValue(bytes(900 * 1024, (char) ('a' + i)))));
        }
        TxnRequest request = txn.build();
        assertThat(request.getSerializedSize()).isGreaterThan(2 * 1024 * 1024);
        assertRefusedByLeaderAndFollower("request is " + request.getSerializedSize() + " bytes",
                kv -> kv.txn(request));
    }

    @Test
    void aNegativeRangeLimitIsRefusedNamingTheLimit() {
        assertRefusedByLeaderAndFollower("limit",
                kv -> kv.range(RangeRequest.newBuilder().setPrefix(utf8("limits/")).setLimit(-1).build()));
    }

    @Test
    void aKeyOfExactly4096BytesAndAValueOfExactlyOneMebibyteAreWrittenThroughAFollowerAndReadBack() {
        NodeProcess leader = cluster.awaitLeader();
        NodeProcess follower = cluster.nodes().stream().filter(n -> n.id() != leader.id()).findFirst().orElseThrow();
        ByteString key = bytes(KEY_LIMIT, 'K');
        ByteString value = bytes(VALUE_LIMIT, 'V');

        follower.kv(CALL).put(PutRequest.newBuilder().setKey(key).setValue(value).build());

        for (NodeProcess node : cluster.nodes()) {
            GetResponse got = ProcessCluster.retrying(CALL, () -> node.kv(CALL)
                    .get(GetRequest.newBuilder().setKey(key).setConsistency(Consistency.LINEARIZABLE).build()));
            assertThat(got.getFound()).as("node %d", node.id()).isTrue();
            assertThat(got.getKv().getKey().size()).isEqualTo(KEY_LIMIT);
            assertThat(got.getKv().getValue()).as("node %d", node.id()).isEqualTo(value);
        }
    }
}
