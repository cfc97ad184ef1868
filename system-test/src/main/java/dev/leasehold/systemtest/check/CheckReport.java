package dev.leasehold.systemtest.check;

import dev.leasehold.linearizability.CheckResult;
import dev.leasehold.linearizability.Checker;
import dev.leasehold.linearizability.LockInput;
import dev.leasehold.linearizability.LockModel;
import dev.leasehold.linearizability.LockOutput;
import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every check of a lock history: linearizability against {@link LockModel}, the fencing order of accepted writes
 * ({@link FencingCheck}), mutual exclusion from tokens ({@link MutualExclusionCheck}) and leases that never end
 * early ({@link LeaseCheck}).
 *
 * @param operations          the operations of the history
 * @param sessions            the sessions granted
 * @param acceptedWrites      fenced writes the store accepted
 * @param rejectedWrites      fenced writes it refused as stale (FAILED_PRECONDITION)
 * @param indeterminateWrites fenced writes whose outcome is unknown
 * @param linearizability     the checker's answer for the lock operations
 * @param fencing             violations of the fencing order
 * @param mutualExclusion     violations of mutual exclusion
 * @param leases              leases that ended early
 */
public record CheckReport(int operations, int sessions, long acceptedWrites, long rejectedWrites,
                          long indeterminateWrites, CheckResult<LockInput, LockOutput> linearizability,
                          List<String> fencing, List<String> mutualExclusion, List<String> leases) {

    public CheckReport {
        fencing = List.copyOf(fencing);
        mutualExclusion = List.copyOf(mutualExclusion);
        leases = List.copyOf(leases);
    }

    /** Runs every check; the linearizability search may take at most {@code timeout}. */
    public static CheckReport of(History history, Duration timeout) {
        Map<Long, SessionLife> sessions = SessionLife.of(history);
        var ops = LockOperations.of(history, sessions);
        return new CheckReport(history.ops().size(), sessions.size(), writes(history, HistoryOp::ok),
                writes(history, HistoryOp::failed), writes(history, HistoryOp::indeterminate),
                Checker.check(new LockModel(), ops, timeout), FencingCheck.violations(history),
                MutualExclusionCheck.violations(history), LeaseCheck.violations(sessions));
    }

    private static long writes(History history, java.util.function.Predicate<HistoryOp> outcome) {
        return history.ops("put").filter(outcome).count();
    }

    /** Every violation found, one per line; a linearizability check that timed out counts as one. */
    public List<String> violations() {
        List<String> all = new ArrayList<>();
        if (linearizability.verdict() != CheckResult.Verdict.LINEARIZABLE) {
            all.add("lock history: " + linearizability);
        }
        all.addAll(fencing);
        all.addAll(mutualExclusion);
        all.addAll(leases);
        return all;
    }
}
