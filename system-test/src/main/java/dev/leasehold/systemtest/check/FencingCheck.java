package dev.leasehold.systemtest.check;

import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The fenced writes the store accepted, per key, in the order the store committed them (their modification
 * revisions): their tokens must never decrease, so that no write with a token lower than one already accepted is
 * accepted after it, and no two writes share a revision. Writes whose outcome is unknown prove nothing either
 * way and are left out; rejected ones changed nothing.
 */
public final class FencingCheck {

    private FencingCheck() {
    }

    public static List<String> violations(History history) {
        Map<String, List<HistoryOp>> accepted = history.ops("put").filter(HistoryOp::ok)
                .collect(Collectors.groupingBy(op -> op.arg("key")));
        List<String> violations = new ArrayList<>();
        accepted.forEach((key, writes) -> {
            List<HistoryOp> byRevision = writes.stream()
                    .sorted(Comparator.comparingLong(FencingCheck::revision)).toList();
            HistoryOp highest = null;
            HistoryOp previous = null;
            for (HistoryOp w : byRevision) {
                if (previous != null && revision(previous) == revision(w)) {
                    violations.add("key " + key + ": two accepted writes at revision " + revision(w) + ": "
                            + previous + " and " + w);
                }
                if (highest != null && w.longArg("token") < highest.longArg("token")) {
                    violations.add("key " + key + ": write with token " + w.longArg("token") + " accepted at "
                            + "revision " + revision(w) + " after token " + highest.longArg("token")
                            + " was accepted at revision " + revision(highest) + ": " + w);
                }
                if (highest == null || w.longArg("token") >= highest.longArg("token")) {
                    highest = w;
                }
                previous = w;
            }
        });
        return violations;
    }

    private static long revision(HistoryOp write) {
        return Long.parseLong(write.resultField("revision"));
    }
}
