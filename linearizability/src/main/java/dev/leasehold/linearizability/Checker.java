package dev.leasehold.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides whether a history is linearizable with respect to a {@link Model}.
 *
 * <p>Every part of the model's {@link Model#partition} is searched on its own, in order, with Wing and Gong's
 * algorithm as Lowe and Porcupine refine it (a linked list of call and return events, backtracking, and a cache
 * of explored configurations). The whole history is linearizable exactly when every part is. The search is
 * single-threaded and deterministic: the same history gives the same answer, witness and explanation, unless
 * the time runs out.
 *
 * <p>Linearizability checking is NP-complete, and some histories (many concurrent operations that the model
 * cannot tell apart until late) take longer than anyone will wait. The timeout bounds the whole check; when it
 * runs out the answer is {@link CheckResult.TimedOut}, never a guess. The cache grows with the search, so give
 * the JVM memory in proportion to the timeout.
 */
public final class Checker {

    private Checker() {
    }

    /**
     * Checks {@code history} against {@code model}, spending at most about {@code timeout}.
     *
     * @param model   the sequential specification
     * @param history the operations, in any order
     * @param timeout how long the search may run; zero or negative means no time at all
     * @return {@link CheckResult.Linearizable} with a witness per part, {@link CheckResult.NotLinearizable} with
     *         an explanation, or {@link CheckResult.TimedOut}
     * @throws IllegalArgumentException if the model's partition loses or invents operations, or the model
     *                                  rejects an output as malformed
     */
    public static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model, List<Operation<I, O>> history,
                                                    Duration timeout) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        List<Operation<I, O>> all = List.copyOf(history);
        long deadline = System.nanoTime() + budgetNanos(timeout);
        List<List<Operation<I, O>>> parts = model.partition(all);
        int partitioned = parts.stream().mapToInt(List::size).sum();
        if (partitioned != all.size()) {
            throw new IllegalArgumentException("the model's partition holds " + partitioned
                    + " operations; the history has " + all.size());
        }
        List<List<Operation<I, O>>> witness = new ArrayList<>(parts.size());
        for (int p = 0; p < parts.size(); p++) {
            List<Operation<I, O>> part = List.copyOf(parts.get(p));
            LinearizationSearch.Result result = new LinearizationSearch<>(model, part).run(deadline);
            if (result instanceof LinearizationSearch.Found found) {
                List<Operation<I, O>> order = new ArrayList<>(found.order().length);
                for (int op : found.order()) {
                    order.add(part.get(op));
                }
                witness.add(order);
            } else if (result instanceof LinearizationSearch.Refuted refuted) {
                List<Operation<I, O>> prefix = new ArrayList<>(refuted.longestPrefix().length);
                for (int op : refuted.longestPrefix()) {
                    prefix.add(part.get(op));
                }
                String header = "Not linearizable: "
                        + (parts.size() == 1 ? "the history" : "part " + (p + 1) + " of " + parts.size())
                        + " (" + part.size() + " operations) has no linearization.\n";
                return new CheckResult.NotLinearizable<>(part, prefix, part.get(refuted.unplaceable()),
                        header + refuted.explanation());
            } else if (result instanceof LinearizationSearch.OutOfTime out) {
                return new CheckResult.TimedOut<>(timeout, "in part " + (p + 1) + " of " + parts.size() + " ("
                        + part.size() + " operations) after " + out.steps() + " steps, " + out.cacheSize()
                        + " configurations cached, at most " + out.deepest() + " operations linearized; "
                        + p + " part(s) before it were linearizable");
            }
        }
        return new CheckResult.Linearizable<>(witness);
    }

    private static long budgetNanos(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            return 0;
        }
        // Far enough to be "never", near enough that deadline - now cannot overflow.
        long cap = Long.MAX_VALUE / 4;
        return timeout.compareTo(Duration.ofNanos(cap)) >= 0 ? cap : timeout.toNanos();
    }
}
