package dev.leasehold.store.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import dev.leasehold.api.v1.Compare;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.store.StoreException;
import dev.leasehold.store.storage.Coordination;
import java.util.List;

/** The size limits of the public API; a request over one is refused with a message naming the field. */
public final class RequestLimits {

    public static final int MAX_KEY_BYTES = 4 * 1024;
    public static final int MAX_VALUE_BYTES = 1024 * 1024;
    public static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;
    public static final int MAX_RANGE_LIMIT = 10_000;
    public static final int MAX_TXN_OPS = 1_000;
    public static final int MAX_LOCK_NAME_BYTES = 1024;
    public static final long MIN_TTL_MILLIS = Coordination.MIN_TTL_MILLIS;
    public static final long MAX_TTL_MILLIS = Coordination.MAX_TTL_MILLIS;

    private RequestLimits() {
    }

    public static void check(PutRequest r) {
        request(r);
        checkPut(r, "");
        fence(r.hasFence() ? r.getFence() : null);
    }

    /** A session's time to live. */
    public static void ttl(long ttlMillis) {
        if (ttlMillis < MIN_TTL_MILLIS || ttlMillis > MAX_TTL_MILLIS) {
            throw invalid("ttl_millis must be between " + MIN_TTL_MILLIS + " and " + MAX_TTL_MILLIS + ", was "
                    + ttlMillis);
        }
    }

    public static void session(long sessionId) {
        if (sessionId == 0) {
            throw invalid("session_id must be set");
        }
    }

    /** A lock request: the lock's name, the session, and (unless 0 is allowed) the invocation id. */
    public static void lock(String name, long sessionId, long invocationId, boolean invocationRequired) {
        lockName(name, "name");
        session(sessionId);
        if (invocationRequired && invocationId == 0) {
            throw invalid("invocation_id must be set (unique per session, the same for a retry)");
        }
    }

    public static void lockName(String name, String field) {
        if (name.isEmpty()) {
            throw invalid(field + " must not be empty");
        }
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_LOCK_NAME_BYTES) {
            throw invalid(field + " is " + bytes + " bytes; the limit is " + MAX_LOCK_NAME_BYTES);
        }
    }

    private static void fence(Fence fence) {
        if (fence != null) {
            lockName(fence.getLock(), "fence.lock");
            if (fence.getToken() == 0) {
                throw invalid("fence.token must be set");
            }
        }
    }

    public static void check(GetRequest r) {
        request(r);
        key(r.getKey(), "key");
    }

    public static void check(DeleteRequest r) {
        request(r);
        key(r.getKey(), "key");
        fence(r.hasFence() ? r.getFence() : null);
    }

    public static void check(RangeRequest r) {
        request(r);
        if (r.getPrefix().size() > MAX_KEY_BYTES) {
            throw invalid("prefix is " + r.getPrefix().size() + " bytes; the limit is " + MAX_KEY_BYTES);
        }
        if (r.getStartAfter().size() > MAX_KEY_BYTES) {
            throw invalid("start_after is " + r.getStartAfter().size() + " bytes; the limit is " + MAX_KEY_BYTES);
        }
        if (r.getLimit() < 0 || r.getLimit() > MAX_RANGE_LIMIT) {
            throw invalid("limit must be between 0 (the maximum) and " + MAX_RANGE_LIMIT + ", was " + r.getLimit());
        }
    }

    public static void check(TxnRequest r) {
        request(r);
        fence(r.hasFence() ? r.getFence() : null);
        if (r.getSuccessCount() + r.getFailureCount() + r.getCompareCount() > MAX_TXN_OPS) {
            throw invalid("a txn may hold at most " + MAX_TXN_OPS + " compares and operations");
        }
        for (int i = 0; i < r.getCompareCount(); i++) {
            Compare c = r.getCompare(i);
            key(c.getKey(), "compare[" + i + "].key");
            if (c.getOperandCase() == Compare.OperandCase.OPERAND_NOT_SET) {
                throw invalid("compare[" + i + "] has no value or revision to compare with");
            }
            if (c.getOperandCase() == Compare.OperandCase.VALUE && c.getValue().size() > MAX_VALUE_BYTES) {
                throw invalid("compare[" + i + "].value is " + c.getValue().size() + " bytes; the limit is "
                        + MAX_VALUE_BYTES);
            }
        }
        ops(r.getSuccessList(), "success");
        ops(r.getFailureList(), "failure");
    }

    private static void ops(List<TxnOp> ops, String branch) {
        for (int i = 0; i < ops.size(); i++) {
            TxnOp op = ops.get(i);
            String path = branch + "[" + i + "]";
            switch (op.getOpCase()) {
                case PUT -> checkPut(op.getPut(), path + ".put.");
                case DELETE -> key(op.getDelete().getKey(), path + ".delete.key");
                case GET -> key(op.getGet().getKey(), path + ".get.key");
                case OP_NOT_SET -> throw invalid(path + " has no operation");
            }
        }
    }

    private static void checkPut(PutRequest r, String prefix) {
        key(r.getKey(), prefix + "key");
        if (r.getValue().size() > MAX_VALUE_BYTES) {
            throw invalid(prefix + "value is " + r.getValue().size() + " bytes; the limit is " + MAX_VALUE_BYTES);
        }
    }

    private static void key(ByteString key, String field) {
        if (key.isEmpty()) {
            throw invalid(field + " must not be empty");
        }
        if (key.size() > MAX_KEY_BYTES) {
            throw invalid(field + " is " + key.size() + " bytes; the limit is " + MAX_KEY_BYTES);
        }
    }

    private static void request(MessageLite r) {
        int size = r.getSerializedSize();
        if (size > MAX_REQUEST_BYTES) {
            throw invalid("the request is " + size + " bytes; the limit is " + MAX_REQUEST_BYTES);
        }
    }

    private static StoreException invalid(String message) {
        return StoreException.invalidArgument(message);
    }
}
