package dev.leasehold.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Building hand-made histories, and checking them with every answer's evidence verified. */
final class Histories {

    static final Duration GENEROUS = Duration.ofSeconds(30);

    private Histories() {
    }

    static <I, O> Operation<I, O> op(int client, long call, long ret, I input, O output) {
        return Operation.completed(client, input, output, call, ret);
    }

    static <I, O> Operation<I, O> unknown(int client, long call, I input) {
        return Operation.unknown(client, input, call);
    }

    /** Checks with a generous timeout, and verifies the witness or the prefix the answer comes with. */
    static <S, I, O> CheckResult<I, O> check(Model<S, I, O> model, List<Operation<I, O>> history) {
        return verified(model, history, Checker.check(model, history, GENEROUS));
    }

    static <S, I, O> CheckResult<I, O> verified(Model<S, I, O> model, List<Operation<I, O>> history,
                                                CheckResult<I, O> result) {
        if (result instanceof CheckResult.Linearizable<I, O> linearizable) {
            List<Operation<I, O>> all = new ArrayList<>();
            for (List<Operation<I, O>> order : linearizable.linearizations()) {
                assertLegal(model, order);
                all.addAll(order);
            }
            assertSameOperations(all, history);
        } else if (result instanceof CheckResult.NotLinearizable<I, O> refuted) {
            assertLegal(model, refuted.longestPrefix());
            assertThat(refuted.part()).contains(refuted.unplaceable());
            assertThat(refuted.longestPrefix()).doesNotContain(refuted.unplaceable());
            assertThat(refuted.explanation()).contains(refuted.unplaceable().input().toString());
        }
        return result;
    }

    /** Whether {@code order} respects real time among its operations and the model accepts it in turn. */
    static <S, I, O> void assertLegal(Model<S, I, O> model, List<Operation<I, O>> order) {
        S state = model.init();
        for (int i = 0; i < order.size(); i++) {
            Operation<I, O> op = order.get(i);
            for (int j = 0; j < i; j++) {
                assertThat(op.precedes(order.get(j)))
                        .as("%s is placed after %s, which it precedes", op, order.get(j)).isFalse();
            }
            Optional<S> next = model.step(state, op.input(), op.output());
            assertThat(next).as("model accepts %s in %s", op, state).isPresent();
            state = next.orElseThrow();
        }
    }

    private static <I, O> void assertSameOperations(List<Operation<I, O>> a, List<Operation<I, O>> b) {
        Map<Operation<I, O>, Integer> counts = new IdentityHashMap<>();
        for (Operation<I, O> op : a) {
            counts.merge(op, 1, Integer::sum);
        }
        for (Operation<I, O> op : b) {
            counts.merge(op, -1, Integer::sum);
        }
        Set<Integer> differences = new HashSet<>(counts.values());
        differences.remove(0);
        assertThat(differences).as("the witness holds every operation once").isEmpty();
    }
}
