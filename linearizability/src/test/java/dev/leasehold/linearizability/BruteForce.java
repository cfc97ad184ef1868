package dev.leasehold.linearizability;

import java.util.List;
import java.util.Optional;

/**
 * The definition of linearizability, searched naively: some order of all operations, each placed only when no
 * unplaced operation returned before it was called, that the model accepts. No partitioning, no cache, no event
 * list: an independent opinion for small histories.
 */
final class BruteForce {

    private BruteForce() {
    }

    static <S, I, O> boolean linearizable(Model<S, I, O> model, List<Operation<I, O>> history) {
        return search(model, history, new boolean[history.size()], 0, model.init());
    }

    private static <S, I, O> boolean search(Model<S, I, O> model, List<Operation<I, O>> ops, boolean[] placed,
                                            int count, S state) {
        if (count == ops.size()) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !minimal(ops, placed, i)) {
                continue;
            }
            Operation<I, O> op = ops.get(i);
            Optional<S> next = model.step(state, op.input(), op.output());
            if (next.isPresent()) {
                placed[i] = true;
                boolean found = search(model, ops, placed, count + 1, next.get());
                placed[i] = false;
                if (found) {
                    return true;
                }
            }
        }
        return false;
    }

    private static <I, O> boolean minimal(List<Operation<I, O>> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).precedes(ops.get(i))) {
                return false;
            }
        }
        return true;
    }
}
