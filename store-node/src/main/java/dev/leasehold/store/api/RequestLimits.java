package dev.leasehold.store.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import dev.leasehold.api.v1.Compare;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.TxnOp;
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.store.StoreException;
import java.util.List;

/** The size limits of the public API; a request over one is refused with a message naming the field. */
public final class RequestLimits {

    public static final int MAX_KEY_BYTES = 4 * 1024;
    public static final int MAX_VALUE_BYTES = 1024 * 1024;
    public static final int MAX_REQUEST_BYTES = 2 * 1024 * 1024;
    public static final int MAX_RANGE_LIMIT = 10_000;
    public static final int MAX_TXN_OPS = 1_000;

    private RequestLimits() {
    }

    public static void check(PutRequest r) {
        request(r);
        checkPut(r, "");
    }

    public static void check(GetRequest r) {
        request(r);
        key(r.getKey(), "key");
    }

    public static void check(DeleteRequest r) {
        request(r);
        key(r.getKey(), "key");
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
