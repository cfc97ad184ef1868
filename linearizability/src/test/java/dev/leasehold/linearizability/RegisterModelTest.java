package dev.leasehold.linearizability;

import static dev.leasehold.linearizability.Histories.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegisterModelTest {

    /** The etcd histories' register: empty ("nil") until written. */
    private static final RegisterModel<String> REGISTER = new RegisterModel<>("nil");

    private static Operation<RegisterInput<String>, RegisterOutput<String>> write(int client, long call, long ret,
                                                                                  String value) {
        return Operation.completed(client, new RegisterInput.Write<>(value), new RegisterOutput.Ok<>(), call, ret);
    }

    private static Operation<RegisterInput<String>, RegisterOutput<String>> read(int client, long call, long ret,
                                                                                 String value) {
        return Operation.completed(client, new RegisterInput.Read<>(), new RegisterOutput.Value<>(value), call, ret);
    }

    private static Operation<RegisterInput<String>, RegisterOutput<String>> cas(int client, long call, long ret,
                                                                                String expected, String replacement,
                                                                                boolean swapped) {
        return Operation.completed(client, new RegisterInput.CompareAndSet<>(expected, replacement),
                swapped ? new RegisterOutput.Ok<>() : new RegisterOutput.CompareFailed<>(), call, ret);
    }

    private static Verdict verdictOf(List<Operation<RegisterInput<String>, RegisterOutput<String>>> history) {
        return check(REGISTER, history).verdict();
    }

    @Test
    void aStaleReadIsNotLinearizable() {
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), write(0, 3, 4, "2"), read(1, 5, 6, "1"))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aLostWriteIsNotLinearizable() {
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), read(1, 3, 4, "nil"))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void theRegisterStartsEmpty() {
        assertThat(verdictOf(List.of(read(0, 1, 2, "nil")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(cas(0, 1, 2, "0", "1", false), read(0, 3, 4, "nil"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(cas(0, 1, 2, "0", "1", true)))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aCompareAndSetThatSwappedFoundTheExpectedValue() {
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), cas(1, 3, 4, "1", "2", true), read(0, 5, 6, "2"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), cas(1, 3, 4, "3", "2", true))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aCompareAndSetThatFailedObservedADifferentValueAndWroteNothing() {
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), cas(1, 3, 4, "3", "2", false), read(0, 5, 6, "1"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), cas(1, 3, 4, "1", "2", false))))
                .as("the compare cannot fail on the value it expects").isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), cas(1, 3, 4, "3", "2", false), read(0, 5, 6, "2"))))
                .as("a failed compare writes nothing").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void readsOfConcurrentWritesMustAgreeOnTheirOrder() {
        var writes = List.of(write(0, 1, 20, "1"), write(1, 1, 20, "2"));
        // Either order of the two overlapping writes is fine ...
        assertThat(verdictOf(concat(writes, List.of(read(2, 2, 3, "1"), read(3, 4, 5, "2")))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(concat(writes, List.of(read(2, 2, 3, "2"), read(3, 4, 5, "1")))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(concat(writes, List.of(read(2, 2, 3, "1"), read(2, 4, 5, "2"), read(3, 6, 7, "2")))))
                .isEqualTo(Verdict.LINEARIZABLE);
        // ... but there is only one: going back to "1" after "2" would take a third write,
        assertThat(verdictOf(concat(writes, List.of(read(2, 2, 3, "1"), read(2, 4, 5, "2"), read(3, 6, 7, "1")))))
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
        // and two clients cannot see the writes in opposite orders.
        assertThat(verdictOf(concat(writes, List.of(read(2, 2, 3, "1"), read(2, 6, 7, "2"),
                read(3, 2, 3, "2"), read(3, 6, 7, "1"))))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aCompareAndSetWithUnknownOutcomeSwapsIfItTakesEffectOnTheExpectedValue() {
        var unknownCas = Operation.<RegisterInput<String>, RegisterOutput<String>>unknown(
                1, new RegisterInput.CompareAndSet<>("1", "2"), 3);
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), unknownCas, read(0, 5, 6, "2"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(write(0, 1, 2, "1"), unknownCas, read(0, 5, 6, "1"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(write(0, 1, 2, "3"), unknownCas, read(0, 5, 6, "2"))))
                .as("it cannot swap a value it does not expect").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aReadWithUnknownResultConstrainsNothing() {
        var lostRead = Operation.<RegisterInput<String>, RegisterOutput<String>>unknown(
                1, new RegisterInput.Read<>(), 1);
        assertThat(verdictOf(List.of(lostRead, write(0, 1, 2, "1"), read(0, 3, 4, "1"))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOutputOfTheWrongKindIsAMalformedHistory() {
        assertThatThrownBy(() -> REGISTER.step("nil", new RegisterInput.Write<>("1"),
                Outcome.known(new RegisterOutput.Value<>("1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("write(1) cannot return 1");
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        var all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
