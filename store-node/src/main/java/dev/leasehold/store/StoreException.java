package dev.leasehold.store;

import io.grpc.Status;

/** A request the node cannot serve, with the gRPC status a client should see. */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;

    public StoreException(Status.Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Status.Code code() {
        return code;
    }

    public static StoreException unavailable(String message) {
        return new StoreException(Status.Code.UNAVAILABLE, message);
    }

    public static StoreException failedPrecondition(String message) {
        return new StoreException(Status.Code.FAILED_PRECONDITION, message);
    }

    public static StoreException invalidArgument(String message) {
        return new StoreException(Status.Code.INVALID_ARGUMENT, message);
    }
}
