package dev.leasehold.systemtest.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A lease may end late, never early: no answer may show a session ended before its TTL had run out since the
 * later of its grant and the last keep-alive the store acknowledged (both as the client sent them), unless a
 * revoke of unknown outcome may have ended it first ({@link SessionLife#revokeSent()}).
 */
public final class LeaseCheck {

    private LeaseCheck() {
    }

    public static List<String> violations(Map<Long, SessionLife> sessions) {
        List<String> violations = new ArrayList<>();
        for (SessionLife life : sessions.values()) {
            if (life.endedBy() < life.earliestEnd() && life.endedBy() < life.revokeSent()) {
                violations.add("session " + life.session() + " of " + life.process() + " had ended "
                        + (life.earliestEnd() - life.endedBy()) / 1_000_000 + " ms before its TTL ran out: "
                        + life.evidence().orElseThrow());
            }
        }
        return violations;
    }
}
