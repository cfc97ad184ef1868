package dev.leasehold.client;

/**
 * A session is lost (or was closed): its deadline passed without an acknowledged keep-alive, the store said it
 * ended, or another cluster answered. Everything it held must be treated as gone.
 */
public final class SessionLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long sessionId;

    SessionLostException(long sessionId, String reason) {
        super("session " + sessionId + " is lost: " + reason);
        this.sessionId = sessionId;
    }

    /** The session that was lost. */
    public long sessionId() {
        return sessionId;
    }
}
