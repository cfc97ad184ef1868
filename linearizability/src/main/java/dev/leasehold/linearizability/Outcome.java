package dev.leasehold.linearizability;

import java.util.Objects;

/**
 * What a client learned about an operation: either the output it received ({@link Known}), or nothing
 * ({@link Unknown}) because the call timed out, the connection broke, or the client crashed first (Jepsen's
 * {@code :info}).
 *
 * <p>An operation with an unknown outcome may have taken effect at any point after its call, or never. A
 * {@link Model} accepts it with whatever effect the model defines for it (typically: the effect it has when it
 * succeeds), and the checker lets it take effect anywhere after its call; record such an operation with
 * {@link Operation#NEVER} as its return time so that "never" (taking effect after everything else) is among the
 * choices.
 *
 * @param <O> the type of an operation's output
 */
public sealed interface Outcome<O> permits Outcome.Known, Outcome.Unknown {

    /** An outcome with the output the client received. */
    static <O> Outcome<O> known(O output) {
        return new Known<>(output);
    }

    /** An outcome the client never learned. */
    static <O> Outcome<O> unknown() {
        return new Unknown<>();
    }

    /**
     * The client received {@code output}.
     *
     * @param output what the operation returned
     * @param <O>    the type of the output
     */
    record Known<O>(O output) implements Outcome<O> {
        /** Checks that the output is present. */
        public Known {
            Objects.requireNonNull(output, "output");
        }

        @Override
        public String toString() {
            return String.valueOf(output);
        }
    }

    /**
     * The client never learned what happened.
     *
     * @param <O> the type the output would have had
     */
    record Unknown<O>() implements Outcome<O> {
        @Override
        public String toString() {
            return "?";
        }
    }
}
