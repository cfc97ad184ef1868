package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * One operation of a history: which client called it, with what input, what came back, and when it was called
 * and when it returned.
 *
 * <p>Times are any consistent clock (a logical counter that every call and return increments, or a monotonic
 * clock read just before sending and just after receiving). Operation {@code a} precedes {@code b} in real time
 * when {@code a.returnTime() < b.callTime()}; when they are equal the two count as concurrent, which is the
 * lenient reading of a clock that could not tell them apart.
 *
 * <p>An operation whose outcome is unknown (a timeout, Jepsen's {@code :info}) should have
 * {@link #NEVER} as its return time: it may have taken effect at any time after its call, or never. A finite
 * return time with an unknown outcome claims more: that the operation, if it took effect at all, did so before
 * that time. That is only right for an operation without effect, such as a read whose reply was lost.
 *
 * @param clientId   the client (process, thread) that called it; used in messages only
 * @param input      what was asked
 * @param output     what came back, or {@link Outcome.Unknown}
 * @param callTime   when it was called
 * @param returnTime when it returned, or {@link #NEVER}
 * @param <I>        the type of inputs
 * @param <O>        the type of outputs
 */
public record Operation<I, O>(int clientId, I input, Outcome<O> output, long callTime, long returnTime) {

    /** The return time of an operation that never returned: after every event of any history. */
    public static final long NEVER = Long.MAX_VALUE;

    /** Checks that input and output are present, that it returned no earlier than it was called, and that an
     * operation that never returned has an unknown outcome. */
    public Operation {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        if (returnTime < callTime) {
            throw new IllegalArgumentException(
                    "operation returned at " + returnTime + " before it was called at " + callTime + ": " + input);
        }
        if (returnTime == NEVER && output instanceof Outcome.Known) {
            throw new IllegalArgumentException("an operation that never returned cannot have a known output: "
                    + input + " -> " + output);
        }
    }

    /** An operation that returned {@code output}. */
    public static <I, O> Operation<I, O> completed(int clientId, I input, O output, long callTime, long returnTime) {
        return new Operation<>(clientId, input, Outcome.known(output), callTime, returnTime);
    }

    /** An operation whose outcome is unknown: it may take effect at any time after {@code callTime}, or never. */
    public static <I, O> Operation<I, O> unknown(int clientId, I input, long callTime) {
        return new Operation<>(clientId, input, Outcome.unknown(), callTime, NEVER);
    }

    /** Whether this operation returned before {@code other} was called, so it must take effect first. */
    public boolean precedes(Operation<?, ?> other) {
        return returnTime < other.callTime;
    }

    @Override
    public String toString() {
        return "client " + clientId + ": " + input + " -> " + output + " [" + callTime + ", "
                + (returnTime == NEVER ? "never" : Long.toString(returnTime)) + "]";
    }
}
