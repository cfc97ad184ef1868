package dev.leasehold.store.storage;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Compare;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.ResponseHeader;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnOpResponse;
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.api.v1.TxnResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The key-value semantics of the store, as in etcd v3: one global revision that every write raises by one, and per
 * key a create revision (kept while the key exists), a mod revision (the write's revision) and a version (1 for a
 * new key, +1 per put). A txn raises the revision once if it changed anything, and all its writes share that
 * revision. Every response header carries the store revision after the command; member id and term are the
 * caller's.
 *
 * <p>Works on the {@link Rows} of one apply batch and on a revision counter it carries from command to command;
 * the caller persists {@link #revision()} with the rows. Requests reaching here come from the Raft log and were
 * validated when proposed; what is left undefined by the API is decided deterministically (a compare whose operand
 * does not match its target compares against the target's zero value; a txn may write one key twice, in order).
 * An enum value this build does not know is an {@link IllegalArgumentException}: guessing could make replicas
 * diverge.
 */
final class KeyValueTable {

    /** The keys as the batch sees them: reads return what earlier writes of the same batch left. */
    interface Rows {
        Optional<KeyValue> get(ByteString key);

        void put(KeyValue kv);

        void delete(ByteString key);
    }

    private static final Comparator<ByteString> BYTE_ORDER = ByteString.unsignedLexicographicalComparator();

    private final Rows rows;
    private long revision;

    KeyValueTable(Rows rows, long revision) {
        this.rows = rows;
        this.revision = revision;
    }

    /** The store revision after the commands applied so far. */
    long revision() {
        return revision;
    }

    PutResponse put(PutRequest request) {
        long at = revision + 1;
        PutResponse.Builder response = putAt(request, at);
        revision = at;
        return response.setHeader(header()).build();
    }

    DeleteResponse delete(DeleteRequest request) {
        DeleteResponse.Builder response = deleteAt(request);
        if (response.getDeleted() > 0) {
            revision++;
        }
        return response.setHeader(header()).build();
    }

    TxnResponse txn(TxnRequest request) {
        boolean succeeded = request.getCompareList().stream().allMatch(this::holds);
        List<TxnOp> ops = succeeded ? request.getSuccessList() : request.getFailureList();
        long at = revision + 1;
        boolean changed = false;
        List<TxnOpResponse.Builder> responses = new ArrayList<>(ops.size());
        for (TxnOp op : ops) {
            TxnOpResponse.Builder response = TxnOpResponse.newBuilder();
            switch (op.getOpCase()) {
                case PUT -> {
                    response.setPut(putAt(op.getPut(), at));
                    changed = true;
                }
                case DELETE -> {
                    DeleteResponse.Builder delete = deleteAt(op.getDelete());
                    changed |= delete.getDeleted() > 0;
                    response.setDelete(delete);
                }
                case GET -> response.setGet(get(op.getGet()));
                case OP_NOT_SET -> throw new IllegalArgumentException("a txn operation names no operation");
            }
            responses.add(response);
        }
        if (changed) {
            revision = at;
        }
        // the headers inside carry the revision after the whole txn, like the txn's own
        TxnResponse.Builder txn = TxnResponse.newBuilder().setHeader(header()).setSucceeded(succeeded);
        for (TxnOpResponse.Builder response : responses) {
            switch (response.getResponseCase()) {
                case PUT -> response.getPutBuilder().setHeader(header());
                case DELETE -> response.getDeleteBuilder().setHeader(header());
                case GET -> response.getGetBuilder().setHeader(header());
                case RESPONSE_NOT_SET -> throw new IllegalStateException("unreachable");
            }
            txn.addResponses(response);
        }
        return txn.build();
    }

    // ---------------------------------------------------------------- at one revision

    private PutResponse.Builder putAt(PutRequest request, long at) {
        Optional<KeyValue> previous = rows.get(request.getKey());
        rows.put(KeyValue.newBuilder()
                .setKey(request.getKey())
                .setValue(request.getValue())
                .setCreateRevision(previous.map(KeyValue::getCreateRevision).orElse(at))
                .setModRevision(at)
                .setVersion(previous.map(kv -> kv.getVersion() + 1).orElse(1L))
                .build());
        PutResponse.Builder response = PutResponse.newBuilder();
        if (request.getPrevKv()) {
            previous.ifPresent(response::setPrevKv);
        }
        return response;
    }

    private DeleteResponse.Builder deleteAt(DeleteRequest request) {
        Optional<KeyValue> previous = rows.get(request.getKey());
        DeleteResponse.Builder response = DeleteResponse.newBuilder().setDeleted(previous.isPresent() ? 1 : 0);
        if (previous.isPresent()) {
            rows.delete(request.getKey());
            if (request.getPrevKv()) {
                response.setPrevKv(previous.get());
            }
        }
        return response;
    }

    private GetResponse.Builder get(GetRequest request) {
        Optional<KeyValue> kv = rows.get(request.getKey());
        GetResponse.Builder response = GetResponse.newBuilder().setFound(kv.isPresent());
        kv.ifPresent(response::setKv);
        return response;
    }

    /** A missing key has an empty value and revisions and version 0. */
    private boolean holds(Compare compare) {
        Optional<KeyValue> kv = rows.get(compare.getKey());
        int order = switch (compare.getTarget()) {
            case VALUE -> BYTE_ORDER.compare(kv.map(KeyValue::getValue).orElse(ByteString.EMPTY),
                    compare.getValue());
            case MOD_REVISION -> Long.compare(kv.map(KeyValue::getModRevision).orElse(0L),
                    compare.getModRevision());
            case CREATE_REVISION -> Long.compare(kv.map(KeyValue::getCreateRevision).orElse(0L),
                    compare.getCreateRevision());
            case VERSION -> Long.compare(kv.map(KeyValue::getVersion).orElse(0L), compare.getVersion());
            case UNRECOGNIZED -> throw new IllegalArgumentException(
                    "unknown compare target " + compare.getTargetValue());
        };
        return switch (compare.getResult()) {
            case EQUAL -> order == 0;
            case NOT_EQUAL -> order != 0;
            case LESS -> order < 0;
            case GREATER -> order > 0;
            case UNRECOGNIZED -> throw new IllegalArgumentException(
                    "unknown compare result " + compare.getResultValue());
        };
    }

    private ResponseHeader header() {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }
}
