package dev.leasehold.store;

import io.grpc.Status;

/** A request the node cannot serve, with the gRPC status a client should see. */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;
    private final boolean notApplied;

    public StoreException(Status.Code code, String message) {
        this(code, message, false);
    }

    private StoreException(Status.Code code, String message, boolean notApplied) {
        super(message, null, false, false);
        this.code = code;
        this.notApplied = notApplied;
    }

    public Status.Code code() {
        return code;
    }

    /** Whether the request was certainly not applied, so that even a write may be sent again. */
    public boolean notApplied() {
        return notApplied;
    }

    /** Cannot serve it now, and the outcome of a write is unknown (it may have been applied). */
    public static StoreException unavailable(String message) {
        return new StoreException(Status.Code.UNAVAILABLE, message);
    }

    /** Cannot serve it now, and it was certainly not applied: any request may be sent again. */
    public static StoreException notApplied(String message) {
        return new StoreException(Status.Code.UNAVAILABLE, message, true);
    }

    public static StoreException failedPrecondition(String message) {
        return new StoreException(Status.Code.FAILED_PRECONDITION, message);
    }

    public static StoreException invalidArgument(String message) {
        return new StoreException(Status.Code.INVALID_ARGUMENT, message);
    }
}
