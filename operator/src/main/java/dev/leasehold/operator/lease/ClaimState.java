package dev.leasehold.operator.lease;

/**
 * What the store said of one claim's session and lock request, as pushed to the operator: its place in the queue,
 * its grant, the last renewal the store acknowledged, or the end of its session. The store is the truth; this is
 * the latest word from it, never a guess.
 *
 * @param sessionId the claim's session
 * @param position  its place in the lock's queue (1 = next), 0 when not known or granted
 * @param token     the fencing token of its grant, 0 until granted
 * @param acked     the highest renewal counter whose keep-alive the store acknowledged, 0 for none
 * @param ended     why the session has ended, or null while it has not
 */
public record ClaimState(long sessionId, long position, long token, long acked, String ended) {

    static ClaimState of(long sessionId) {
        return new ClaimState(sessionId, 0, 0, 0, null);
    }

    ClaimState queued(long newPosition) {
        return new ClaimState(sessionId, newPosition, token, acked, ended);
    }

    ClaimState granted(long newToken) {
        return new ClaimState(sessionId, 0, newToken, acked, ended);
    }

    ClaimState acknowledged(long sequence) {
        return new ClaimState(sessionId, position, token, Math.max(acked, sequence), ended);
    }

    ClaimState ended(String why) {
        return new ClaimState(sessionId, position, token, acked, ended == null ? why : ended);
    }
}
