package dev.leasehold.linearizability;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link Checker#check}: {@link Linearizable}, {@link NotLinearizable}, or {@link TimedOut} when
 * the time allowed ran out before the search could tell. A timed-out check is never reported as either of the
 * other two.
 *
 * @param <I> the type of operation inputs
 * @param <O> the type of operation outputs
 */
public sealed interface CheckResult<I, O>
        permits CheckResult.Linearizable, CheckResult.NotLinearizable, CheckResult.TimedOut {

    /** The three answers, for a switch or an assertion. */
    enum Verdict {
        /** Some order of the operations is a legal sequential run of the model. */
        LINEARIZABLE,
        /** No order is. */
        NOT_LINEARIZABLE,
        /** The search ran out of time before it could tell. */
        UNKNOWN
    }

    /** Which of the three answers this is. */
    Verdict verdict();

    /**
     * The history is linearizable.
     *
     * @param linearizations a witness: for each part of the model's {@link Model#partition}, in order, its
     *                       operations in an order that respects real time and that the model accepts
     * @param <I>            the type of operation inputs
     * @param <O>            the type of operation outputs
     */
    record Linearizable<I, O>(List<List<Operation<I, O>>> linearizations) implements CheckResult<I, O> {
        /** Copies the witness. */
        public Linearizable {
            linearizations = linearizations.stream().map(List::copyOf).toList();
        }

        @Override
        public Verdict verdict() {
            return Verdict.LINEARIZABLE;
        }

        @Override
        public String toString() {
            return "linearizable (" + linearizations.stream().mapToInt(List::size).sum() + " operations in "
                    + linearizations.size() + " part(s))";
        }
    }

    /**
     * The history is not linearizable. The search's deepest dead end explains why: after
     * {@code longestPrefix}, the longest sequence of operations it could linearize, operation
     * {@code unplaceable} had to take effect next (it returned before any other open operation could be placed
     * usefully) and could not.
     *
     * @param part          the part of the model's {@link Model#partition} that is not linearizable
     * @param longestPrefix the longest linearizable prefix the search found in that part, in linearization order
     * @param unplaceable   the operation that could not be placed after that prefix
     * @param explanation   all of the above as text, with the model state after the prefix and the operations
     *                      that were open at that point
     * @param <I>           the type of operation inputs
     * @param <O>           the type of operation outputs
     */
    record NotLinearizable<I, O>(List<Operation<I, O>> part, List<Operation<I, O>> longestPrefix,
                                 Operation<I, O> unplaceable, String explanation) implements CheckResult<I, O> {
        /** Copies the lists. */
        public NotLinearizable {
            part = List.copyOf(part);
            longestPrefix = List.copyOf(longestPrefix);
            Objects.requireNonNull(unplaceable, "unplaceable");
            Objects.requireNonNull(explanation, "explanation");
        }

        @Override
        public Verdict verdict() {
            return Verdict.NOT_LINEARIZABLE;
        }

        @Override
        public String toString() {
            return explanation;
        }
    }

    /**
     * The time allowed ran out before the search could tell.
     *
     * @param timeout the time that was allowed
     * @param detail  how far the search got
     * @param <I>     the type of operation inputs
     * @param <O>     the type of operation outputs
     */
    record TimedOut<I, O>(Duration timeout, String detail) implements CheckResult<I, O> {
        /** Checks that both are present. */
        public TimedOut {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public Verdict verdict() {
            return Verdict.UNKNOWN;
        }

        @Override
        public String toString() {
            return "unknown: no answer within " + timeout + " (" + detail + ")";
        }
    }
}
