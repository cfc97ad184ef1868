package dev.leasehold.systemtest.check;

import dev.leasehold.systemtest.history.HistoryOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Whether what happened with lower tokens happened before what happened with higher ones. Each piece of evidence
 * is an operation that shows the lock held with a token at some moment between its invocation and its return (a
 * grant, a fenced write the store accepted, a release that released). A token's holder must have lost the lock
 * before the next token was granted, so evidence of a lower token that was invoked only after evidence of a higher
 * token had returned means two holders at once.
 */
final class TokenOrder {

    /** An operation that shows {@code token} held within its interval. */
    record Evidence(long token, HistoryOp op) {
    }

    private TokenOrder() {
    }

    /** One line per piece of evidence that comes, in real time, after evidence of a higher token. */
    static List<String> violations(String what, List<Evidence> evidence) {
        TreeMap<Long, Evidence> earliestReturnByToken = new TreeMap<>();
        for (Evidence e : evidence) {
            earliestReturnByToken.merge(e.token(), e,
                    (a, b) -> a.op().completed() <= b.op().completed() ? a : b);
        }
        // for each token, the evidence of a higher token that returned first
        TreeMap<Long, Evidence> firstOfHigher = new TreeMap<>();
        Evidence first = null;
        for (var entry : earliestReturnByToken.descendingMap().entrySet()) {
            if (first != null) {
                firstOfHigher.put(entry.getKey(), first);
            }
            if (first == null || entry.getValue().op().completed() < first.op().completed()) {
                first = entry.getValue();
            }
        }
        List<String> violations = new ArrayList<>();
        evidence.stream().sorted(Comparator.comparingLong(e -> e.op().invoked())).forEach(e -> {
            Evidence higher = firstOfHigher.get(e.token());
            if (higher != null && e.op().invoked() > higher.op().completed()) {
                violations.add(what + ": token " + e.token() + " was still in use (" + e.op() + ") after token "
                        + higher.token() + " was (" + higher.op() + ")");
            }
        });
        return violations;
    }
}
