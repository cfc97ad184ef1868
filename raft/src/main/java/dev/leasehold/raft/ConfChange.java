package dev.leasehold.raft;

import java.util.Objects;

/**
 * A request to change the membership by one server.
 *
 * @param type   what to do
 * @param nodeId the server it concerns (a positive id)
 */
public record ConfChange(ConfChangeType type, long nodeId) {
    public ConfChange {
        Objects.requireNonNull(type, "type");
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be positive, was " + nodeId);
        }
    }
}
