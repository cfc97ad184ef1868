package dev.leasehold.client;

import io.grpc.Status;

/**
 * A write that is not idempotent ({@code Put}, {@code Delete}) failed in a way that leaves its outcome unknown: the
 * connection broke after it was sent, or the node could not say that it was not applied. It may or may not have
 * been applied; the client does not send it again, since a second application would be a second revision (and a
 * second delete would answer that nothing was deleted). Read the key to find out. The cause is the failure.
 */
public final class OutcomeUnknownException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    OutcomeUnknownException(RuntimeException failure) {
        super("the write may or may not have been applied: " + Status.fromThrowable(failure), failure);
    }

    /** The status of the failed attempt. */
    public Status status() {
        return Status.fromThrowable(getCause());
    }
}
