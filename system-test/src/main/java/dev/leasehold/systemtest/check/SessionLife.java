package dev.leasehold.systemtest.check;

import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryEvent;
import dev.leasehold.systemtest.history.HistoryOp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a history tells of one session's life, on the machine's monotonic clock.
 *
 * <p>The store ends a session no earlier than its TTL after the last keep-alive it acknowledged arrived (or after
 * the grant, or after a new leader took over), and each of those is after the client sent the keep-alive (or the
 * grant); so {@code earliestEnd}, the later of the grant's invocation and the last acknowledged keep-alive's send
 * time, plus the TTL, is a lower bound on when it can end, unless the store ends leases early.
 *
 * @param session     the session id
 * @param process     the process that was granted it
 * @param earliestEnd the earliest time the store may end the session by expiry
 * @param endedBy     the earliest time by which some answer showed the session ended (a refused revoke, a
 *                    linearizable describe that found it gone); {@link HistoryOp#NEVER} if none did
 * @param evidence    the operation that showed it, if any
 * @param revoked     the revoke that ended it, if one was answered
 * @param revokeSent  the earliest moment a revoke of unknown outcome may have been sent: the invocation of an
 *                    unanswered revoke, or the moment a client that revokes lost sessions by itself gave it up
 *                    (its note says {@code client-may-revoke=true}); {@link HistoryOp#NEVER} if neither happened
 */
public record SessionLife(long session, String process, long earliestEnd, long endedBy,
                          Optional<HistoryOp> evidence, Optional<HistoryOp> revoked, long revokeSent) {

    /** The lives of every session that the history shows granted, by id. */
    public static Map<Long, SessionLife> of(History history) {
        Map<Long, Long> lastAckSent = new LinkedHashMap<>();
        for (HistoryEvent ack : history.notes("keepalive-ack").toList()) {
            lastAckSent.merge(Long.parseLong(ack.field("session")), Long.parseLong(ack.field("sent")), Math::max);
        }
        Map<Long, SessionLife> lives = new LinkedHashMap<>();
        history.ops("grant").filter(HistoryOp::ok).forEach(grant -> {
            long id = Long.parseLong(grant.resultField("session"));
            long ttl = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(grant.resultField("ttl")));
            long from = Math.max(grant.invoked(), lastAckSent.getOrDefault(id, Long.MIN_VALUE));
            lives.put(id, new SessionLife(id, grant.process(), from + ttl, HistoryOp.NEVER, Optional.empty(),
                    Optional.empty(), HistoryOp.NEVER));
        });
        history.notes("session-lost").filter(lost -> "true".equals(lost.fields().get("client-may-revoke")))
                .forEach(lost -> lives.computeIfPresent(Long.parseLong(lost.field("session")),
                        (id, life) -> life.revokeMaybeSentAt(lost.nanos())));
        for (HistoryOp op : history.ops()) {
            boolean revoke = op.op().equals("revoke");
            boolean gone = op.op().equals("describe-session") && op.ok()
                    && "false".equals(op.resultField("alive"));
            if (!revoke && !gone) {
                continue;
            }
            lives.computeIfPresent(op.longArg("session"), (id, life) -> life.with(op, revoke));
        }
        return lives;
    }

    private SessionLife revokeMaybeSentAt(long nanos) {
        return new SessionLife(session, process, earliestEnd, endedBy, evidence, revoked, Math.min(revokeSent, nanos));
    }

    private SessionLife with(HistoryOp op, boolean revoke) {
        if (revoke && op.ok()) {
            return revoked.isPresent() ? this
                    : new SessionLife(session, process, earliestEnd, endedBy, evidence, Optional.of(op), revokeSent);
        }
        if (revoke && op.indeterminate()) {
            return revokeMaybeSentAt(op.invoked());
        }
        // a refused revoke or a describe that found it gone: it had ended by the time the answer came
        return op.completed() < endedBy
                ? new SessionLife(session, process, earliestEnd, op.completed(), Optional.of(op), revoked, revokeSent)
                : this;
    }
}
