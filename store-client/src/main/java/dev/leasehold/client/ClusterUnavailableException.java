package dev.leasehold.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;

/**
 * No endpoint served a call before its deadline: each attempt failed with {@code UNAVAILABLE}, because the node
 * could not be reached or because it could not serve the call (no leader known, shutting down). The cause is the
 * last attempt's failure.
 */
public final class ClusterUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Endpoint> endpoints;
    private final Duration timeout;
    private final boolean anyNodeReached;

    ClusterUnavailableException(List<Endpoint> endpoints, Duration timeout, boolean anyNodeReached,
                                RuntimeException lastFailure) {
        super("no endpoint of " + Endpoint.join(endpoints) + " served the call within " + timeout.toMillis()
                + " ms; last error: " + Status.fromThrowable(lastFailure), lastFailure);
        this.endpoints = List.copyOf(endpoints);
        this.timeout = timeout;
        this.anyNodeReached = anyNodeReached;
    }

    /** The endpoints that were tried. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** How long the call was allowed to take. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Whether at least one attempt reached a node (which then answered {@code UNAVAILABLE}); {@code false} means
     * no connection could be made to any endpoint.
     */
    public boolean anyNodeReached() {
        return anyNodeReached;
    }

    /** The status of the last attempt. */
    public Status lastStatus() {
        return Status.fromThrowable(getCause());
    }
}
