package dev.leasehold.systemtest.check;

import dev.leasehold.linearizability.LockInput;
import dev.leasehold.linearizability.LockOutput;
import dev.leasehold.linearizability.Operation;
import dev.leasehold.linearizability.Outcome;
import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A history's lock operations as the {@link dev.leasehold.linearizability.LockModel} sees them.
 *
 * <ul>
 *   <li>Acquires, releases, fenced writes and reads map one to one. An operation whose outcome is unknown may take
 *       effect any time after its invocation, or never (return time {@link Operation#NEVER}); one that certainly
 *       had no effect (a cancelled acquire) is left out. A fenced write refused with FAILED_PRECONDITION is
 *       {@code Rejected}, and only such a one.</li>
 *   <li>The end of a session releases its locks. An answered revoke is an {@code Expire} with a known outcome
 *       (released or not held, from the locks the store said it released). Otherwise the session ended by
 *       expiry at a time no client observed: an {@code Expire} with an unknown outcome, invoked at the
 *       earliest moment the store may end it ({@link SessionLife#earliestEnd()}, or an unanswered revoke's
 *       invocation if earlier) and returning when an answer showed the session gone, if one did. One such
 *       operation for every lock the session asked for.</li>
 * </ul>
 */
public final class LockOperations {

    private LockOperations() {
    }

    public static List<Operation<LockInput, LockOutput>> of(History history, Map<Long, SessionLife> sessions) {
        Map<String, Integer> clients = new HashMap<>();
        List<Operation<LockInput, LockOutput>> ops = new ArrayList<>();
        Map<Long, Set<String>> locksAsked = new LinkedHashMap<>();
        for (HistoryOp op : history.ops()) {
            int client = clients.computeIfAbsent(op.process(), p -> clients.size() + 1);
            LockInput input = input(op);
            if (input == null || op.failed() && !(input instanceof LockInput.FencedWrite)) {
                continue; // not a lock operation, or certainly without effect
            }
            if (input instanceof LockInput.Acquire a) {
                locksAsked.computeIfAbsent(op.longArg("session"), s -> new LinkedHashSet<>()).add(a.lock());
            }
            if (op.indeterminate()) {
                if (!(input instanceof LockInput.Read)) { // a read without an answer tells nothing
                    ops.add(Operation.unknown(client, input, op.invoked()));
                }
                continue;
            }
            ops.add(Operation.completed(client, input, output(op, input), op.invoked(), op.completed()));
        }
        locksAsked.forEach((session, locks) -> {
            SessionLife life = sessions.get(session);
            if (life != null) {
                locks.forEach(lock -> ops.add(end(life, lock)));
            }
        });
        return ops;
    }

    private static LockInput input(HistoryOp op) {
        return switch (op.op()) {
            case "acquire" -> new LockInput.Acquire(op.arg("lock"), op.arg("session"));
            case "release" -> new LockInput.Release(op.arg("lock"), op.arg("session"), op.longArg("token"));
            case "put" -> new LockInput.FencedWrite(op.arg("lock"), op.longArg("token"), op.arg("value"));
            case "get" -> new LockInput.Read(op.arg("lock"));
            default -> null;
        };
    }

    private static LockOutput output(HistoryOp op, LockInput input) {
        if (input instanceof LockInput.Acquire) {
            return op.value("token").isPresent() ? new LockOutput.Granted(Long.parseLong(op.resultField("token")))
                    : new LockOutput.Refused();
        }
        if (input instanceof LockInput.Release) {
            return "true".equals(op.resultField("released")) ? new LockOutput.Released() : new LockOutput.NotHeld();
        }
        if (input instanceof LockInput.FencedWrite) {
            return op.ok() ? new LockOutput.Accepted() : new LockOutput.Rejected();
        }
        return new LockOutput.Value(op.resultField("value"));
    }

    private static Operation<LockInput, LockOutput> end(SessionLife life, String lock) {
        LockInput.Expire expire = new LockInput.Expire(lock, Long.toString(life.session()));
        if (life.revoked().isPresent()) {
            HistoryOp revoke = life.revoked().get();
            boolean released = Arrays.asList(revoke.value("released").orElse("").split(",")).contains(lock);
            return Operation.completed(0, expire, released ? new LockOutput.Released() : new LockOutput.NotHeld(),
                    revoke.invoked(), revoke.completed());
        }
        long from = Math.min(Math.min(life.earliestEnd(), life.revokeSent()), life.endedBy());
        return new Operation<>(0, expire, Outcome.unknown(), from, life.endedBy());
    }
}
