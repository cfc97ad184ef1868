package dev.leasehold.systemtest.check;

import dev.leasehold.systemtest.check.TokenOrder.Evidence;
import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Mutual exclusion, derived from fencing tokens: per lock, every token is granted to one session only, and
 * whatever shows a token held (its grant, a fenced write accepted with it, a release of it) happens before
 * whatever shows a higher token held. A client that merely believes it still holds the lock proves nothing; what
 * the store answered does.
 */
public final class MutualExclusionCheck {

    private MutualExclusionCheck() {
    }

    public static List<String> violations(History history) {
        Map<String, List<Evidence>> byLock = new HashMap<>();
        Map<String, Map<Long, HistoryOp>> grants = new HashMap<>();
        List<String> violations = new ArrayList<>();
        for (HistoryOp op : history.ops()) {
            if (!op.ok()) {
                continue;
            }
            long token;
            switch (op.op()) {
                case "acquire" -> {
                    if (op.value("token").isEmpty()) {
                        continue; // a try that found the lock held
                    }
                    token = Long.parseLong(op.resultField("token"));
                    HistoryOp other = grants.computeIfAbsent(op.arg("lock"), l -> new HashMap<>())
                            .putIfAbsent(token, op);
                    if (other != null && other.longArg("session") != op.longArg("session")) {
                        violations.add("lock " + op.arg("lock") + ": token " + token + " granted to two sessions: "
                                + other + " and " + op);
                    }
                }
                case "put" -> token = op.longArg("token");
                case "release" -> {
                    if (!"true".equals(op.resultField("released"))) {
                        continue;
                    }
                    token = op.longArg("token");
                }
                default -> {
                    continue;
                }
            }
            byLock.computeIfAbsent(op.arg("lock"), l -> new ArrayList<>()).add(new Evidence(token, op));
        }
        byLock.forEach((lock, evidence) -> violations.addAll(TokenOrder.violations("lock " + lock, evidence)));
        return violations;
    }
}
