package dev.leasehold.api.v1;

import io.grpc.Metadata;
import io.grpc.Status;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/**
 * The trailer by which a node says that a failed request was certainly not applied (no leader known, the
 * proposal refused or lost to a change of leader before it was committed), so that a client may send even a
 * write that is not idempotent again. An {@code UNAVAILABLE} without it, or a broken connection, leaves the
 * outcome of a write unknown.
 */
public final class NotApplied {

    /** {@code leasehold-not-applied: true}. */
    public static final Metadata.Key<String> KEY = Metadata.Key.of("leasehold-not-applied",
            Metadata.ASCII_STRING_MARSHALLER);

    private NotApplied() {
    }

    /** Trailers that carry the mark. */
    public static Metadata trailers() {
        Metadata m = new Metadata();
        m.put(KEY, "true");
        return m;
    }

    /**
     * Whether {@code failure} (or a cause of it) is a connection that could not be made: the request never left
     * the caller, so it was not applied either.
     */
    public static boolean neverSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Whether the failure's trailers carry the mark. */
    public static boolean isMarked(Throwable failure) {
        Metadata trailers = Status.trailersFromThrowable(failure);
        return trailers != null && "true".equals(trailers.get(KEY));
    }
}
