package dev.leasehold.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The sequential specification a history is checked against: a state machine whose {@link #step} says whether
 * an operation with a given input and outcome may happen in a state, and what state follows.
 *
 * <p>States must be immutable values: the checker keeps earlier states to backtrack to, and caches the
 * configurations it explored by state, using {@link #sameState} and {@link #stateHash} (by default
 * {@code equals} and {@code hashCode}, so a record is ready to use). The model must be deterministic: the same
 * state, input and outcome always give the same answer.
 *
 * @param <S> the type of states
 * @param <I> the type of operation inputs
 * @param <O> the type of operation outputs
 */
public interface Model<S, I, O> {

    /** The state before any operation. */
    S init();

    /**
     * Applies one operation.
     *
     * <p>For a {@link Outcome.Known} output: the state after the operation if it may return that output in
     * {@code state}, or empty if it may not. For an {@link Outcome.Unknown} output the model must accept the
     * operation in every state, with the effect it has if it takes effect there (for a conditional operation,
     * such as a compare-and-set, the effect its condition gives in that state). "Never took effect" needs no
     * special case: the checker may place an operation that never returned after every other one, where its
     * effect no longer matters, and relies on this rule to do so.
     *
     * @throws IllegalArgumentException if the output is not of a kind this input can return (a malformed
     *                                  history, not a violation)
     */
    Optional<S> step(S state, I input, Outcome<O> output);

    /** Whether two states are the same, for the checker's cache. By default {@code a.equals(b)}. */
    default boolean sameState(S a, S b) {
        return a.equals(b);
    }

    /** A hash consistent with {@link #sameState}. By default {@code state.hashCode()}. */
    default int stateHash(S state) {
        return state.hashCode();
    }

    /**
     * Splits a history into parts that can be checked independently (P-compositionality): the history is
     * linearizable exactly when every part is. Each operation must be in exactly one part, and a part keeps
     * the operations in the order given. By default the history is one part.
     */
    default List<List<Operation<I, O>>> partition(List<Operation<I, O>> history) {
        return List.of(history);
    }

    /** How an operation reads in an explanation. By default {@code input -> output}. */
    default String describe(I input, Outcome<O> output) {
        return input + " -> " + output;
    }

    /** How a state reads in an explanation. By default {@code toString()}. */
    default String describeState(S state) {
        return String.valueOf(state);
    }

    /**
     * A {@link #partition} by a key of each input, such as the key of a key-value operation. Parts come in
     * the order their keys first appear, so the result is deterministic.
     */
    static <I, O> List<List<Operation<I, O>>> partitionBy(List<Operation<I, O>> history,
                                                          Function<? super I, ?> key) {
        Map<Object, List<Operation<I, O>>> parts = new LinkedHashMap<>();
        for (Operation<I, O> op : history) {
            Object k = Objects.requireNonNull(key.apply(op.input()), "partition key");
            parts.computeIfAbsent(k, unused -> new ArrayList<>()).add(op);
        }
        return List.copyOf(parts.values());
    }
}
