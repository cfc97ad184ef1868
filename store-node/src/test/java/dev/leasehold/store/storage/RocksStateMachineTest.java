package dev.leasehold.store.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.GrantSession;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.command.v1.SetClusterId;
import dev.leasehold.api.command.v1.SetMemberAddress;
import dev.leasehold.api.v1.Compare;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnOpResponse;
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.api.v1.TxnResponse;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.Membership;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RocksStateMachineTest {

    private static final Membership THREE = Membership.ofVoters(List.of(1L, 2L, 3L));

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- revisions

    @Test
    void everyPutRaisesTheRevisionAndAKeyKeepsItsCreateRevisionUntilDeleted() {
        Store store = store("sm");

        PutResponse first = (PutResponse) store.applyOne(put("a", "1"));
        PutResponse second = (PutResponse) store.applyOne(put("a", "2"));
        assertThat(first.getHeader().getRevision()).isEqualTo(1);
        assertThat(second.getHeader().getRevision()).isEqualTo(2);
        assertThat(store.sm.get(bs("a"))).contains(kv("a", "2", 1, 2, 2));

        DeleteResponse deleted = (DeleteResponse) store.applyOne(delete("a"));
        assertThat(deleted.getDeleted()).isEqualTo(1);
        assertThat(deleted.getHeader().getRevision()).isEqualTo(3);
        assertThat(store.sm.get(bs("a"))).isEmpty();

        store.applyOne(put("a", "3"));
        assertThat(store.sm.get(bs("a"))).contains(kv("a", "3", 4, 4, 1));
        assertThat(store.sm.revision()).isEqualTo(4);
    }

    @Test
    void deletingAMissingKeyLeavesTheRevision() {
        Store store = store("sm");
        store.applyOne(put("a", "1"));

        DeleteResponse response = (DeleteResponse) store.applyOne(delete("missing"));

        assertThat(response.getDeleted()).isZero();
        assertThat(response.getHeader().getRevision()).isEqualTo(1);
        assertThat(store.sm.revision()).isEqualTo(1);
    }

    @Test
    void thePreviousKeyValueIsReturnedOnlyWhenAsked() {
        Store store = store("sm");
        store.applyOne(put("a", "1"));

        PutResponse withPrevious = (PutResponse) store.applyOne(Command.newBuilder()
                .setPut(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("2")).setPrevKv(true)).build());
        PutResponse without = (PutResponse) store.applyOne(put("a", "3"));
        DeleteResponse deleted = (DeleteResponse) store.applyOne(Command.newBuilder()
                .setDelete(DeleteRequest.newBuilder().setKey(bs("a")).setPrevKv(true)).build());

        assertThat(withPrevious.getPrevKv()).isEqualTo(kv("a", "1", 1, 1, 1));
        assertThat(without.hasPrevKv()).isFalse();
        assertThat(deleted.getPrevKv()).isEqualTo(kv("a", "3", 1, 3, 3));
    }

    // ---------------------------------------------------------------- txn

    @ParameterizedTest(name = "{0} {1} {2} holds: {3}")
    @CsvSource({
            "VALUE, EQUAL, b, true", "VALUE, EQUAL, a, false", "VALUE, NOT_EQUAL, a, true",
            "VALUE, NOT_EQUAL, b, false", "VALUE, LESS, c, true", "VALUE, LESS, ba, true", "VALUE, LESS, a, false",
            "VALUE, GREATER, a, true", "VALUE, GREATER, b, false", "VALUE, GREATER, ba, false",
            "MOD_REVISION, EQUAL, 3, true", "MOD_REVISION, EQUAL, 2, false", "MOD_REVISION, NOT_EQUAL, 3, false",
            "MOD_REVISION, LESS, 4, true", "MOD_REVISION, LESS, 3, false", "MOD_REVISION, GREATER, 2, true",
            "MOD_REVISION, GREATER, 3, false",
            "CREATE_REVISION, EQUAL, 1, true", "CREATE_REVISION, NOT_EQUAL, 2, true",
            "CREATE_REVISION, LESS, 1, false", "CREATE_REVISION, LESS, 2, true",
            "CREATE_REVISION, GREATER, 0, true", "CREATE_REVISION, GREATER, 1, false",
            "VERSION, EQUAL, 2, true", "VERSION, NOT_EQUAL, 1, true", "VERSION, NOT_EQUAL, 2, false",
            "VERSION, LESS, 3, true", "VERSION, LESS, 2, false", "VERSION, GREATER, 1, true",
            "VERSION, GREATER, 2, false",
    })
    void aTxnCompareOnAnExistingKeyDecidesTheBranch(Compare.Target target, Compare.Result result, String operand,
                                                    boolean holds) {
        Store store = store("sm");
        store.applyOne(put("k", "b"));     // revision 1 creates k
        store.applyOne(put("other", "x")); // revision 2
        store.applyOne(put("k", "b"));     // revision 3: k has mod 3, version 2

        TxnResponse response = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addCompare(compare("k", target, result, operand))
                .addSuccess(putOp("branch", "success"))
                .addFailure(putOp("branch", "failure"))));

        assertThat(response.getSucceeded()).isEqualTo(holds);
        assertThat(store.sm.get(bs("branch")).orElseThrow().getValue()).isEqualTo(bs(holds ? "success" : "failure"));
    }

    @ParameterizedTest(name = "{0} {1} {2} holds: {3}")
    @CsvSource({
            "VALUE, EQUAL, '', true", "VALUE, LESS, a, true", "MOD_REVISION, EQUAL, 0, true",
            "CREATE_REVISION, EQUAL, 0, true", "VERSION, EQUAL, 0, true", "VERSION, GREATER, 0, false",
    })
    void aMissingKeyComparesAsAnEmptyValueWithRevisionsAndVersionZero(Compare.Target target, Compare.Result result,
                                                                       String operand, boolean holds) {
        Store store = store("sm");
        store.applyOne(put("other", "x"));

        TxnResponse response = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addCompare(compare("missing", target, result, operand))));

        assertThat(response.getSucceeded()).isEqualTo(holds);
    }

    @Test
    void valuesCompareAsUnsignedBytes() {
        Store store = store("sm");
        store.applyOne(Command.newBuilder().setPut(PutRequest.newBuilder().setKey(bs("k"))
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0x80}))).build());

        TxnResponse response = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("k")).setTarget(Compare.Target.VALUE)
                        .setResult(Compare.Result.GREATER).setValue(ByteString.copyFrom(new byte[] {0x7f})))));

        assertThat(response.getSucceeded()).isTrue();
    }

    @Test
    void aTxnRunsTheSuccessBranchOnlyWhenEveryCompareHolds() {
        Store store = store("sm");
        store.applyOne(put("a", "1"));
        store.applyOne(put("b", "2"));

        TxnResponse allHold = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addCompare(compare("a", Compare.Target.VALUE, Compare.Result.EQUAL, "1"))
                .addCompare(compare("b", Compare.Target.VALUE, Compare.Result.EQUAL, "2"))
                .addSuccess(putOp("s", "1")).addSuccess(getOp("s"))
                .addFailure(putOp("f", "1"))));
        TxnResponse oneFails = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addCompare(compare("a", Compare.Target.VALUE, Compare.Result.EQUAL, "1"))
                .addCompare(compare("b", Compare.Target.VALUE, Compare.Result.EQUAL, "3"))
                .addSuccess(putOp("s", "2"))
                .addFailure(putOp("f", "1")).addFailure(deleteOp("a"))));

        assertThat(allHold.getSucceeded()).isTrue();
        assertThat(allHold.getResponsesList()).extracting(TxnOpResponse::getResponseCase)
                .containsExactly(TxnOpResponse.ResponseCase.PUT, TxnOpResponse.ResponseCase.GET);
        assertThat(oneFails.getSucceeded()).isFalse();
        assertThat(oneFails.getResponses(1).getDelete().getDeleted()).isEqualTo(1);
        assertThat(store.sm.get(bs("s")).orElseThrow().getValue()).isEqualTo(bs("1"));
        assertThat(store.sm.get(bs("f"))).isPresent();
        assertThat(store.sm.get(bs("a"))).isEmpty();
        assertThat(store.sm.revision()).isEqualTo(4);
    }

    @Test
    void aTxnSeesItsOwnWritesAndRaisesTheRevisionOnceForAllOfThem() {
        Store store = store("sm");
        store.applyOne(put("b", "old"));

        TxnResponse response = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addSuccess(putOp("a", "1")).addSuccess(getOp("a"))
                .addSuccess(putOp("a", "2")).addSuccess(deleteOp("b")).addSuccess(getOp("b"))));

        assertThat(store.sm.revision()).isEqualTo(2);
        assertThat(response.getHeader().getRevision()).isEqualTo(2);
        assertThat(response.getResponsesList()).allSatisfy(r -> assertThat(header(r)).isEqualTo(2));
        assertThat(response.getResponses(1).getGet().getKv()).isEqualTo(kv("a", "1", 2, 2, 1));
        assertThat(response.getResponses(3).getDelete().getDeleted()).isEqualTo(1);
        assertThat(response.getResponses(4).getGet().getFound()).isFalse();
        assertThat(store.sm.get(bs("a"))).contains(kv("a", "2", 2, 2, 2));
    }

    @Test
    void aTxnThatChangesNothingLeavesTheRevision() {
        Store store = store("sm");
        store.applyOne(put("a", "1"));

        TxnResponse response = (TxnResponse) store.applyOne(txn(TxnRequest.newBuilder()
                .addSuccess(getOp("a")).addSuccess(deleteOp("missing"))));

        assertThat(store.sm.revision()).isEqualTo(1);
        assertThat(response.getHeader().getRevision()).isEqualTo(1);
        assertThat(response.getResponses(0).getGet().getKv()).isEqualTo(kv("a", "1", 1, 1, 1));
    }

    // ---------------------------------------------------------------- batches

    @Test
    void commandsInOneApplySeeTheWritesOfTheCommandsBeforeThem() {
        Store store = store("sm");

        List<ApplyResult> results = store.apply(
                put("a", "1"),
                Command.newBuilder().setPut(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("2"))
                        .setPrevKv(true)).build(),
                txn(TxnRequest.newBuilder()
                        .addCompare(compare("a", Compare.Target.VERSION, Compare.Result.EQUAL, "2"))
                        .addSuccess(putOp("b", "seen"))),
                delete("a"));

        assertThat(results).extracting(ApplyResult::index).containsExactly(1L, 2L, 3L, 4L);
        assertThat(((PutResponse) response(results.get(1))).getPrevKv()).isEqualTo(kv("a", "1", 1, 1, 1));
        assertThat(((TxnResponse) response(results.get(2))).getSucceeded()).isTrue();
        assertThat(((DeleteResponse) response(results.get(3))).getDeleted()).isEqualTo(1);
        assertThat(store.sm.appliedIndex()).isEqualTo(4);
        assertThat(store.sm.revision()).isEqualTo(4);
        assertThat(store.sm.get(bs("a"))).isEmpty();
    }

    @Test
    void alreadyAppliedEntriesAreSkippedWhenReplayed() {
        Store store = store("sm");
        List<Entry> entries = List.of(
                entry(1, put("a", "1")), entry(2, put("a", "2")), entry(3, put("b", "1")), entry(4, put("a", "3")));
        store.sm.apply(entries.subList(0, 3));

        List<ApplyResult> results = store.sm.apply(entries);

        assertThat(results).extracting(ApplyResult::index).containsExactly(4L);
        assertThat(store.sm.apply(entries)).isEmpty();
        assertThat(store.sm.revision()).isEqualTo(4);
        assertThat(store.sm.get(bs("a"))).contains(kv("a", "3", 1, 4, 3));
    }

    @Test
    void anEntryThatCannotBeDecodedFailsTheWholeApplyAndWritesNothing() {
        Store store = store("sm");
        List<Entry> entries = List.of(entry(1, put("a", "1")), Entry.normal(1, 2, new byte[] {(byte) 0xff, 0x01}));

        assertThatThrownBy(() -> store.sm.apply(entries))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Entry[2@1");
        assertThat(store.sm.appliedIndex()).isZero();
        assertThat(store.sm.get(bs("a"))).isEmpty();
        store.reopen();
        assertThat(store.sm.appliedIndex()).isZero();
        assertThat(store.sm.get(bs("a"))).isEmpty();
    }

    @Test
    void anEntryThatDoesNotFollowTheAppliedIndexIsRefused() {
        Store store = store("sm");
        store.applyOne(put("a", "1"));

        assertThatThrownBy(() -> store.sm.apply(List.of(entry(3, put("a", "2")))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applied up to 1");
    }

    @Test
    void emptyConfigAndMemberAddressEntriesAreAppliedWithoutAResponse() {
        Store store = store("sm");

        List<ApplyResult> results = store.sm.apply(List.of(
                Entry.normal(2, 1, new byte[0]),
                new Entry(2, 2, EntryType.CONFIG, THREE.encode()),
                entry(3, address(2, "10.0.0.2:7000"))));

        assertThat(results).extracting(ApplyResult::index).containsExactly(1L, 2L, 3L);
        assertThat(results).extracting(ApplyResult::term).containsExactly(2L, 2L, 1L);
        assertThat(results).allSatisfy(r -> assertThat(r.response()).isEmpty());
        assertThat(store.sm.membership()).isEqualTo(THREE);
        assertThat(store.sm.memberAddresses()).isEqualTo(Map.of(2L, "10.0.0.2:7000"));
        assertThat(store.sm.revision()).isZero();
        assertThat(store.sm.appliedIndex()).isEqualTo(3);
    }

    @Test
    void membershipAndMemberAddressesSurviveAReopen() {
        Store store = store("sm");
        store.sm.apply(List.of(
                new Entry(1, 1, EntryType.CONFIG, THREE.encode()),
                entry(2, address(1, "a:1")), entry(3, address(2, "b:2")), entry(4, address(3, "c:3")),
                entry(5, address(1, "")), entry(6, put("k", "v"))));

        store.reopen();

        assertThat(store.sm.membership()).isEqualTo(THREE);
        assertThat(store.sm.memberAddresses()).containsExactly(Map.entry(2L, "b:2"), Map.entry(3L, "c:3"));
        assertThat(store.sm.appliedIndex()).isEqualTo(6);
        assertThat(store.sm.revision()).isEqualTo(1);
        assertThat(store.sm.get(bs("k"))).contains(kv("k", "v", 1, 1, 1));
    }

    // ---------------------------------------------------------------- range

    @Test
    void rangeReturnsKeysWithThePrefixInUnsignedByteOrderAfterStartAfterUpToTheLimit() {
        Store store = store("sm");
        ByteString high = ByteString.copyFrom(new byte[] {'a', (byte) 0xff});
        ByteString low = ByteString.copyFrom(new byte[] {'a', 0x01});
        store.apply(put("ab", "1"), put("a", "1"), put("abc", "1"), put("ac", "1"), put("b", "1"), put("ba", "1"),
                Command.newBuilder().setPut(PutRequest.newBuilder().setKey(high).setValue(bs("1"))).build(),
                Command.newBuilder().setPut(PutRequest.newBuilder().setKey(low).setValue(bs("1"))).build());

        RangeResponse all = store.sm.range(bs("a"), ByteString.EMPTY, 0);
        assertThat(all.getKvsList()).extracting(KeyValue::getKey)
                .containsExactly(bs("a"), low, bs("ab"), bs("abc"), bs("ac"), high);
        assertThat(all.getMore()).isFalse();
        assertThat(all.getHeader().getRevision()).isEqualTo(8);

        RangeResponse firstPage = store.sm.range(bs("a"), ByteString.EMPTY, 2);
        assertThat(keys(firstPage)).containsExactly("a", "a\u0001");
        assertThat(firstPage.getMore()).isTrue();

        RangeResponse nextPage = store.sm.range(bs("a"), bs("ab"), 2);
        assertThat(keys(nextPage)).containsExactly("abc", "ac");
        assertThat(nextPage.getMore()).isTrue();

        RangeResponse lastPage = store.sm.range(bs("a"), bs("ac"), 2);
        assertThat(lastPage.getKvsList()).extracting(KeyValue::getKey).containsExactly(high);
        assertThat(lastPage.getMore()).isFalse();

        assertThat(keys(store.sm.range(bs("a"), high, 2))).isEmpty();
        assertThat(keys(store.sm.range(bs("b"), bs("a"), 0))).containsExactly("b", "ba");
        assertThat(keys(store.sm.range(bs("b"), bs("c"), 0))).isEmpty();
        assertThat(keys(store.sm.range(bs("b"), bs("b"), 0))).containsExactly("ba");
        assertThat(store.sm.range(ByteString.EMPTY, ByteString.EMPTY, 0).getKvsCount()).isEqualTo(8);
        assertThat(keys(store.sm.range(bs("x"), ByteString.EMPTY, 0))).isEmpty();
        assertThatThrownBy(() -> store.sm.range(bs("a"), ByteString.EMPTY, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rangeOfAnExactLimitSaysThereIsNoMore() {
        Store store = store("sm");
        store.apply(put("a", "1"), put("b", "1"));

        RangeResponse response = store.sm.range(ByteString.EMPTY, ByteString.EMPTY, 2);

        assertThat(keys(response)).containsExactly("a", "b");
        assertThat(response.getMore()).isFalse();
    }

    // ---------------------------------------------------------------- checkpoint and restore

    // ---------------------------------------------------------------- the cluster's id

    @Test
    void theFirstClusterIdAppliedIsKeptThroughAReopenAndACheckpointAndLaterOnesChangeNothing() {
        Store store = store("named");
        assertThat(store.sm.clusterId()).isEmpty();

        store.apply(clusterId("first"), clusterId("second"));
        assertThat(store.sm.clusterId()).isEqualTo("first");
        store.reopen();
        assertThat(store.sm.clusterId()).isEqualTo("first");

        Path checkpoint = dir.resolve("snapshots/named");
        store.sm.checkpoint(checkpoint);
        Store restored = store("restored");
        restored.apply(clusterId("other"));
        restored.sm.restore(checkpoint);
        assertThat(restored.sm.clusterId()).isEqualTo("first");
    }

    @Test
    void noSessionIsGrantedBeforeTheClusterHasAnIdAndAGrantAfterCarriesIt() {
        Store store = store("grants");
        Command grant = Command.newBuilder().setGrantSession(GrantSession.newBuilder().setTtlMillis(5_000)).build();

        Message early = store.applyOne(grant);
        assertThat(early).isInstanceOfSatisfying(Refusal.class, r -> {
            assertThat(r.getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE.value());
            assertThat(r.getMessage()).contains("no id yet");
        });
        store.apply(clusterId("c-1"));
        Message granted = store.applyOne(grant);

        assertThat(granted).isInstanceOfSatisfying(GrantResponse.class,
                g -> assertThat(g.getClusterId()).isEqualTo("c-1"));
    }

    @Test
    void aCheckpointRestoredIntoAnotherStateMachineGivesIdenticalState() {
        Store source = store("source");
        source.sm.apply(List.of(
                new Entry(1, 1, EntryType.CONFIG, THREE.encode()),
                entry(2, address(1, "a:1")), entry(3, address(2, "b:2")),
                entry(4, put("x", "1")), entry(5, put("y", "1")), entry(6, put("x", "2")), entry(7, delete("y"))));
        Path checkpoint = dir.resolve("snapshots/snap-7");
        assertThat(source.sm.checkpoint(checkpoint)).isEqualTo(7);
        source.applyOne(put("after", "checkpoint")); // not in the checkpoint

        Store target = store("target");
        target.apply(put("x", "other"), put("z", "only here"), put("w", "1"), put("v", "1"));
        assertThat(target.sm.restore(checkpoint)).isEqualTo(7);

        assertThat(target.sm.appliedIndex()).isEqualTo(7);
        assertThat(target.sm.revision()).isEqualTo(4);
        assertThat(target.sm.membership()).isEqualTo(THREE);
        assertThat(target.sm.memberAddresses()).isEqualTo(Map.of(1L, "a:1", 2L, "b:2"));
        assertThat(target.sm.range(ByteString.EMPTY, ByteString.EMPTY, 0).getKvsList())
                .containsExactly(kv("x", "2", 1, 3, 2));
        assertThat(Files.exists(dir.resolve("target").resolve(RocksStateMachine.PREVIOUS_DIR))).isFalse();
        assertThat(Files.exists(dir.resolve("target").resolve(RocksStateMachine.INCOMING_DIR))).isFalse();

        target.sm.apply(List.of(entry(8, put("x", "3"))));
        target.reopen();
        assertThat(target.sm.appliedIndex()).isEqualTo(8);
        assertThat(target.sm.get(bs("x"))).contains(kv("x", "3", 1, 5, 3));
        assertThat(target.sm.memberAddresses()).isEqualTo(Map.of(1L, "a:1", 2L, "b:2"));
    }

    @Test
    void restoreCopiesTheCheckpointSoTheCallerMayDeleteIt() throws IOException {
        Store source = store("source");
        source.applyOne(put("x", "1"));
        Path checkpoint = dir.resolve("cp");
        source.sm.checkpoint(checkpoint);

        Store target = store("target");
        target.sm.restore(checkpoint);
        deleteRecursively(checkpoint);
        target.reopen();

        assertThat(target.sm.get(bs("x"))).contains(kv("x", "1", 1, 1, 1));
    }

    @Test
    void aDirectoryThatIsNotACheckpointIsRefusedAndTheStateIsKept() throws IOException {
        Store store = store("sm");
        store.applyOne(put("x", "1"));
        Path junk = Files.createDirectories(dir.resolve("junk"));
        Files.writeString(junk.resolve("CURRENT"), "MANIFEST-000001\n");

        assertThatThrownBy(() -> store.sm.restore(junk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(junk.toString());
        assertThat(store.sm.appliedIndex()).isEqualTo(1);
        assertThat(store.sm.get(bs("x"))).isPresent();
        assertThat(Files.exists(dir.resolve("sm").resolve(RocksStateMachine.INCOMING_DIR))).isFalse();
    }

    @Test
    void aRestoreInterruptedBeforeItsCommitPointLeavesTheOldState() throws IOException {
        Path home = oldStateWithNewCheckpoint();
        // the crash came between moving the old database aside and moving the new one in
        Files.move(home.resolve("db"), home.resolve("db.old"));
        copy(dir.resolve("cp"), home.resolve("db.incoming"));

        Store store = store("home");

        assertThat(store.sm.appliedIndex()).isEqualTo(1);
        assertThat(store.sm.get(bs("old"))).isPresent();
        assertThat(leftovers(home)).containsExactly("db");
    }

    @Test
    void aRestoreInterruptedAfterItsCommitPointLeavesTheNewState() throws IOException {
        Path home = oldStateWithNewCheckpoint();
        Files.move(home.resolve("db"), home.resolve("db.old"));
        copy(dir.resolve("cp"), home.resolve("db"));

        Store store = store("home");

        assertThat(store.sm.appliedIndex()).isEqualTo(2);
        assertThat(store.sm.get(bs("new"))).isPresent();
        assertThat(leftovers(home)).containsExactly("db");
    }

    @Test
    void aHalfCopiedCheckpointIsDiscardedOnOpen() throws IOException {
        Path home = oldStateWithNewCheckpoint();
        Path incoming = Files.createDirectories(home.resolve("db.incoming"));
        Files.write(incoming.resolve("000009.sst"), new byte[100]);

        Store store = store("home");

        assertThat(store.sm.appliedIndex()).isEqualTo(1);
        assertThat(leftovers(home)).containsExactly("db");
    }

    @Test
    void readersOnOtherThreadsSeeWholeBatchesWhileEntriesAreAppliedAndRestored() throws Exception {
        Store source = store("source");
        source.apply(put("c", "0"), put("d", "0"));
        Path checkpoint = dir.resolve("cp");
        source.sm.checkpoint(checkpoint);
        Store store = store("sm");
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread reader = new Thread(() -> {
                try {
                    while (running.get()) {
                        List<KeyValue> kvs = store.sm.range(ByteString.EMPTY, ByteString.EMPTY, 0).getKvsList();
                        if (!kvs.isEmpty()) {
                            // c and d are always written by the same batch
                            assertThat(kvs).extracting(KeyValue::getValue).containsOnly(kvs.get(0).getValue());
                        }
                        store.sm.get(bs("c"));
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 1; i <= 50; i++) {
                long next = store.sm.appliedIndex() + 1;
                store.sm.apply(List.of(entry(next, put("c", "v" + i)), entry(next + 1, put("d", "v" + i))));
            }
            store.sm.restore(checkpoint);
        }
        running.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertThat(failures).isEmpty();
        assertThat(reads.get()).isPositive();
        assertThat(store.sm.appliedIndex()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- lifecycle and corruption

    @Test
    void aClosedStateMachineRefusesCallsAndClosingTwiceIsHarmless() {
        RocksStateMachine sm = RocksStateMachine.open(dir.resolve("sm"));
        sm.close();
        sm.close();

        assertThatThrownBy(() -> sm.get(bs("a"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sm.range(bs("a"), ByteString.EMPTY, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sm.apply(List.of(entry(1, put("a", "1"))))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sm.checkpoint(dir.resolve("cp"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void garbageOverTheManifestIsReportedAsCorruptionOfTheStateMachine() throws IOException {
        Store store = store("sm");
        store.applyOne(put("a", "1"));
        store.sm.close();
        Path db = dir.resolve("sm").resolve("db");
        Path manifest;
        try (Stream<Path> files = Files.list(db)) {
            manifest = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        }
        byte[] garbage = new byte[(int) Files.size(manifest) - 10];
        Arrays.fill(garbage, (byte) 0x5a);
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(garbage), 10);
        }

        assertThatThrownBy(() -> RocksStateMachine.open(dir.resolve("sm")))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining(db.toString())
                .hasMessageContaining("refuses to start");
    }

    @Test
    void aDamagedMembershipRecordIsRefusedOnOpen() throws Exception {
        Store store = store("sm");
        store.sm.apply(List.of(new Entry(1, 1, EntryType.CONFIG, THREE.encode())));
        store.sm.close();
        try (RocksDatabase raw = RocksDatabase.open(dir.resolve("sm").resolve("db"), RocksStateMachine.LAYOUT)) {
            raw.db().put(raw.meta(), RocksStateMachine.MEMBERSHIP_KEY, new byte[] {1, 2, 3});
        }

        assertThatThrownBy(() -> RocksStateMachine.open(dir.resolve("sm")))
                .isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("the stored membership is damaged");
    }

    // ---------------------------------------------------------------- helpers

    /** A state machine in {@code dir/name} and the next index to apply. */
    private final class Store {
        private final Path home;
        RocksStateMachine sm;

        Store(Path home) {
            this.home = home;
            this.sm = RocksStateMachine.open(home);
            opened.add(() -> sm.close());
        }

        List<ApplyResult> apply(Command... commands) {
            List<Entry> entries = new ArrayList<>();
            long next = sm.appliedIndex() + 1;
            for (Command command : commands) {
                entries.add(entry(next++, command));
            }
            return sm.apply(entries);
        }

        Message applyOne(Command command) {
            List<ApplyResult> results = apply(command);
            assertThat(results).hasSize(1);
            return response(results.get(0));
        }

        void reopen() {
            sm.close();
            sm = RocksStateMachine.open(home);
        }
    }

    private Store store(String name) {
        return new Store(dir.resolve(name));
    }

    /** {@code dir/home} holds applied index 1 (key "old"); {@code dir/cp} a checkpoint at 2 (key "new"). */
    private Path oldStateWithNewCheckpoint() {
        Path home = dir.resolve("home");
        try (RocksStateMachine old = RocksStateMachine.open(home)) {
            old.apply(List.of(entry(1, put("old", "1"))));
        }
        try (RocksStateMachine other = RocksStateMachine.open(dir.resolve("other"))) {
            other.apply(List.of(entry(1, put("new", "1")), entry(2, put("new", "2"))));
            other.checkpoint(dir.resolve("cp"));
        }
        return home;
    }

    private static List<String> leftovers(Path home) throws IOException {
        try (Stream<Path> files = Files.list(home)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : walk.toList()) {
                Files.copy(source, to.resolve(from.relativize(source).toString()));
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Message response(ApplyResult result) {
        return result.response().orElseThrow();
    }

    private static long header(TxnOpResponse response) {
        return switch (response.getResponseCase()) {
            case PUT -> response.getPut().getHeader().getRevision();
            case DELETE -> response.getDelete().getHeader().getRevision();
            case GET -> response.getGet().getHeader().getRevision();
            case RESPONSE_NOT_SET -> -1;
        };
    }

    private static List<String> keys(RangeResponse response) {
        return response.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }

    static Entry entry(long index, Command command) {
        return Entry.normal(1, index, command.toByteArray());
    }

    static Command clusterId(String id) {
        return Command.newBuilder().setSetClusterId(SetClusterId.newBuilder().setClusterId(id)).build();
    }

    static Command put(String key, String value) {
        return Command.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))).build();
    }

    static Command delete(String key) {
        return Command.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(bs(key))).build();
    }

    static Command txn(TxnRequest.Builder txn) {
        return Command.newBuilder().setTxn(txn).build();
    }

    static Command address(long id, String address) {
        return Command.newBuilder().setMemberAddress(SetMemberAddress.newBuilder().setId(id).setAddress(address))
                .build();
    }

    static TxnOp putOp(String key, String value) {
        return TxnOp.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))).build();
    }

    static TxnOp getOp(String key) {
        return TxnOp.newBuilder().setGet(GetRequest.newBuilder().setKey(bs(key))).build();
    }

    static TxnOp deleteOp(String key) {
        return TxnOp.newBuilder().setDelete(DeleteRequest.newBuilder().setKey(bs(key))).build();
    }

    static Compare compare(String key, Compare.Target target, Compare.Result result, String operand) {
        Compare.Builder compare = Compare.newBuilder().setKey(bs(key)).setTarget(target).setResult(result);
        return switch (target) {
            case VALUE -> compare.setValue(bs(operand)).build();
            case MOD_REVISION -> compare.setModRevision(Long.parseLong(operand)).build();
            case CREATE_REVISION -> compare.setCreateRevision(Long.parseLong(operand)).build();
            case VERSION -> compare.setVersion(Long.parseLong(operand)).build();
            case UNRECOGNIZED -> throw new IllegalArgumentException(target.toString());
        };
    }

    static KeyValue kv(String key, String value, long create, long mod, long version) {
        return KeyValue.newBuilder().setKey(bs(key)).setValue(bs(value)).setCreateRevision(create)
                .setModRevision(mod).setVersion(version).build();
    }

    static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
