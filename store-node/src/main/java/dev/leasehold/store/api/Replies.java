package dev.leasehold.store.api;

import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.v1.NotApplied;
import dev.leasehold.store.NotLeaderException;
import dev.leasehold.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Turns what went wrong into the gRPC status a client sees. */
final class Replies {

    private Replies() {
    }

    static <T> void reply(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }

    /** Fails the call; a request that was certainly not applied says so in a trailer ({@link NotApplied}). */
    static void fail(StreamObserver<?> observer, Throwable error) {
        Throwable e = cause(error);
        boolean notApplied = (e instanceof StoreException s && s.notApplied()) || e instanceof NotLeaderException
                || NotApplied.isMarked(e);
        Status status = statusOf(error);
        observer.onError(notApplied ? status.asRuntimeException(NotApplied.trailers()) : status.asRuntimeException());
    }

    /** The failure to answer with when the state machine refused a command. */
    static StoreException refused(Refusal refusal) {
        return new StoreException(Status.fromCodeValue(refusal.getCode()).getCode(), refusal.getMessage());
    }

    /** The failure itself, out of the wrappers that futures put around it. */
    static Throwable cause(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static Status statusOf(Throwable error) {
        Throwable e = cause(error);
        if (e instanceof StoreException s) {
            return Status.fromCode(s.code()).withDescription(s.getMessage());
        }
        if (e instanceof NotLeaderException n) {
            return Status.UNAVAILABLE.withDescription("this node does not lead: " + n.getMessage() + "; retry");
        }
        if (e instanceof TimeoutException) {
            return Status.DEADLINE_EXCEEDED.withDescription(
                    "the request did not complete in time; a write may or may not have been applied");
        }
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        return Status.INTERNAL.withDescription(String.valueOf(e)).withCause(e);
    }
}
