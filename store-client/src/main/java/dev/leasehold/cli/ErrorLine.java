package dev.leasehold.cli;

import dev.leasehold.client.ClusterUnavailableException;
import dev.leasehold.client.Endpoint;
import dev.leasehold.client.OutcomeUnknownException;
import dev.leasehold.client.SessionLostException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** The one line on stderr that tells the user what went wrong, in place of a stack trace. */
final class ErrorLine {

    private ErrorLine() {
    }

    static String of(Throwable error, Duration timeout) {
        return "leasehold: " + describe(error, timeout);
    }

    /** What went wrong, without the tool's name in front. */
    static String describe(Throwable error, Duration timeout) {
        if (error instanceof ClusterUnavailableException e) {
            if (!e.anyNodeReached()) {
                return "cannot reach any of " + Endpoint.join(e.endpoints()) + " (is `bin/leasehold dev` running?)";
            }
            return "no node could serve the request within " + seconds(e.timeout()) + ": "
                    + text(e.lastStatus()) + " (see `bin/leasehold cluster status`)";
        }
        if (error instanceof OutcomeUnknownException e) {
            return "the write may or may not have been applied (" + text(e.status())
                    + "); read the key to find out";
        }
        if (error instanceof StatusRuntimeException e) {
            Status status = e.getStatus();
            return switch (status.getCode()) {
                case INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS, OUT_OF_RANGE,
                        PERMISSION_DENIED, RESOURCE_EXHAUSTED -> text(status);
                case DEADLINE_EXCEEDED -> "the cluster did not answer within " + seconds(timeout)
                        + " (if this was a write, it may or may not have been applied; "
                        + "see `bin/leasehold cluster status`)";
                default -> "the server failed the request: " + status.getCode() + ": " + text(status);
            };
        }
        if (error instanceof UncheckedIOException) {
            return oneLine(error.getMessage());
        }
        if (error instanceof IOException) {
            return "I/O error: " + error.getClass().getSimpleName() + ": " + oneLine(error.getMessage());
        }
        if (error instanceof SessionLostException || error instanceof IllegalArgumentException) {
            return oneLine(error.getMessage());
        }
        return "unexpected error: " + oneLine(String.valueOf(error));
    }

    private static String text(Status status) {
        String description = status.getDescription();
        return description == null || description.isBlank()
                ? status.getCode().toString()
                : oneLine(description);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
