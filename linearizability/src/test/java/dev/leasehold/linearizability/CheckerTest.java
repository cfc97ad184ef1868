package dev.leasehold.linearizability;

import static dev.leasehold.linearizability.Histories.check;
import static dev.leasehold.linearizability.Histories.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckerTest {

    private static final RegisterModel<Integer> REGISTER = new RegisterModel<>(0);

    private static Operation<RegisterInput<Integer>, RegisterOutput<Integer>> write(int client, long call, long ret,
                                                                                    int value) {
        return op(client, call, ret, new RegisterInput.Write<>(value), new RegisterOutput.Ok<>());
    }

    private static Operation<RegisterInput<Integer>, RegisterOutput<Integer>> read(int client, long call, long ret,
                                                                                   int value) {
        return op(client, call, ret, new RegisterInput.Read<>(), new RegisterOutput.Value<>(value));
    }

    @Test
    void anEmptyHistoryIsLinearizable() {
        assertThat(check(REGISTER, List.of()).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void aSequentialHistoryIsLinearizableExactlyWhenTheModelAcceptsItInOrder() {
        assertThat(check(REGISTER, List.of(write(0, 1, 2, 5), read(1, 3, 4, 5))).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(check(REGISTER, List.of(write(0, 1, 2, 5), read(1, 3, 4, 0))).verdict())
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void overlappingOperationsMayTakeEffectInEitherOrder() {
        // The read overlaps the write, so it may see the value before or after it.
        assertThat(check(REGISTER, List.of(write(0, 1, 10, 5), read(1, 2, 3, 0))).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(check(REGISTER, List.of(write(0, 1, 10, 5), read(1, 2, 3, 5))).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void theWitnessPutsOperationsInTheOrderThatExplainsTheReads() {
        var history = List.of(write(0, 1, 10, 1), write(1, 2, 11, 2), read(2, 12, 13, 1));
        var result = check(REGISTER, history);

        assertThat(result).isInstanceOf(CheckResult.Linearizable.class);
        var order = ((CheckResult.Linearizable<RegisterInput<Integer>, RegisterOutput<Integer>>) result)
                .linearizations().get(0);
        assertThat(order).containsExactly(history.get(1), history.get(0), history.get(2));
    }

    @Test
    void operationsWithEqualTimestampsCountAsConcurrent() {
        // The write returned at 5 and the read was called at 5: the clock cannot order them.
        assertThat(check(REGISTER, List.of(write(0, 1, 5, 7), read(1, 5, 6, 0))).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(check(REGISTER, List.of(write(0, 1, 4, 7), read(1, 5, 6, 0))).verdict())
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anOperationWithUnknownOutcomeMayTakeEffectLongAfterItsCall() {
        var history = List.of(
                Histories.<RegisterInput<Integer>, RegisterOutput<Integer>>unknown(0, 1, new RegisterInput.Write<>(9)),
                read(1, 10, 11, 0),
                read(1, 20, 21, 9),
                read(2, 30, 31, 9));
        assertThat(check(REGISTER, history).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOperationWithUnknownOutcomeMayNeverTakeEffect() {
        var history = List.of(
                Histories.<RegisterInput<Integer>, RegisterOutput<Integer>>unknown(0, 1, new RegisterInput.Write<>(9)),
                read(1, 10, 11, 0),
                read(2, 1000, 1001, 0));
        assertThat(check(REGISTER, history).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void anOperationWithUnknownOutcomeTakesEffectAtMostOnce() {
        var history = List.of(
                write(1, 1, 2, 1),
                Histories.<RegisterInput<Integer>, RegisterOutput<Integer>>unknown(0, 3, new RegisterInput.Write<>(9)),
                read(1, 10, 11, 9),
                write(1, 12, 13, 1),
                read(1, 14, 15, 9));
        assertThat(check(REGISTER, history).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aRefutationNamesTheLongestLinearizablePrefixAndTheOperationThatCouldNotBePlaced() {
        var history = List.of(write(0, 1, 2, 1), write(0, 3, 4, 2), read(1, 5, 6, 1), read(1, 7, 8, 2));
        var result = check(REGISTER, history);

        assertThat(result).isInstanceOf(CheckResult.NotLinearizable.class);
        var refuted = (CheckResult.NotLinearizable<RegisterInput<Integer>, RegisterOutput<Integer>>) result;
        assertThat(refuted.longestPrefix()).containsExactly(history.get(0), history.get(1));
        assertThat(refuted.unplaceable()).isEqualTo(history.get(2));
        assertThat(refuted.explanation())
                .contains("longest linearizable prefix found has 2 operation(s)")
                .contains("1. client 0: write(1) -> ok")
                .contains("2. client 0: write(2) -> ok")
                .contains("State after it: 2")
                .contains("client 1: read -> 1   [called 5, returned 6]")
                .contains("it is not allowed in that state");
    }

    @Test
    void aRefutationListsTheOperationsThatWereOpenWhereTheSearchGotStuck() {
        var history = List.of(
                write(0, 1, 10, 1),
                op(1, 2, 11, (RegisterInput<Integer>) new RegisterInput.CompareAndSet<>(5, 6),
                        (RegisterOutput<Integer>) new RegisterOutput.Ok<Integer>()),
                read(2, 3, 4, 3));
        var result = check(REGISTER, history);

        assertThat(result.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.toString())
                .contains("has 1 operation(s):\n  1. client 0: write(1) -> ok")
                .contains("State after it: 1")
                .contains("client 2: read -> 3   [called 3, returned 4]")
                .contains("Other operations open at that point (1):\n"
                        + "  client 1: cas(5 -> 6) -> ok   [called 2, returned 11]   (not allowed here)");
    }

    @Test
    void aKeyedModelIsCheckedPerPartAndTheFailingPartIsReported() {
        var kv = new KvModel();
        var history = List.of(
                op(0, 1, 2, (KvInput) new KvInput.Put("a", "1"), (KvOutput) new KvOutput.Ok()),
                op(1, 1, 2, (KvInput) new KvInput.Put("b", "1"), (KvOutput) new KvOutput.Ok()),
                op(0, 3, 4, (KvInput) new KvInput.Get("a"), (KvOutput) new KvOutput.Value("1")),
                op(1, 3, 4, (KvInput) new KvInput.Get("b"), (KvOutput) new KvOutput.Value("")));
        var result = check(kv, history);

        assertThat(result).isInstanceOf(CheckResult.NotLinearizable.class);
        var refuted = (CheckResult.NotLinearizable<KvInput, KvOutput>) result;
        assertThat(refuted.part()).containsExactly(history.get(1), history.get(3));
        assertThat(refuted.explanation()).startsWith("Not linearizable: part 2 of 2 (2 operations)");
    }

    @Test
    void theSameHistoryAlwaysGetsTheSameAnswerAndExplanation() {
        var history = RandomHistories.registerHistory(new java.util.Random(42), 4, 6, 0.3);
        var first = Checker.check(REGISTER, history, Histories.GENEROUS);
        for (int i = 0; i < 5; i++) {
            var again = Checker.check(REGISTER, history, Histories.GENEROUS);
            assertThat(again).isEqualTo(first);
            assertThat(again.toString()).isEqualTo(first.toString());
        }
    }

    @Test
    void aPartitionThatLosesOperationsIsRefusedAsAModelBug() {
        Model<Integer, RegisterInput<Integer>, RegisterOutput<Integer>> lossy = new Model<>() {
            @Override
            public Integer init() {
                return 0;
            }

            @Override
            public java.util.Optional<Integer> step(Integer s, RegisterInput<Integer> i,
                                                    Outcome<RegisterOutput<Integer>> o) {
                return REGISTER.step(s, i, o);
            }

            @Override
            public List<List<Operation<RegisterInput<Integer>, RegisterOutput<Integer>>>> partition(
                    List<Operation<RegisterInput<Integer>, RegisterOutput<Integer>>> history) {
                return List.of(history.subList(1, history.size()));
            }
        };
        assertThatThrownBy(() -> Checker.check(lossy, List.of(write(0, 1, 2, 1), read(0, 3, 4, 1)), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partition holds 1 operations; the history has 2");
    }

    @Test
    void aMalformedOutputIsAnErrorNotAVerdict() {
        var history = List.of(op(0, 1, 2, (RegisterInput<Integer>) new RegisterInput.Read<Integer>(),
                (RegisterOutput<Integer>) new RegisterOutput.Ok<Integer>()));
        assertThatThrownBy(() -> Checker.check(REGISTER, history, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read cannot return ok");
    }

    /**
     * Many concurrent writes of distinct values, then a read of a value none wrote: refuting it means trying
     * every subset of the writes with every last writer (n * 2^(n-1) configurations even with the cache).
     */
    private static List<Operation<RegisterInput<Integer>, RegisterOutput<Integer>>> concurrentWritesThenImpossibleRead(
            int writers) {
        List<Operation<RegisterInput<Integer>, RegisterOutput<Integer>>> history = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            history.add(write(i, 1 + i, 1000 + i, i + 1));
        }
        history.add(read(writers, 2000, 2001, -1));
        return history;
    }

    @Test
    void aHistoryTooHardForTheTimeAllowedIsUnknownNotAGuess() {
        var history = concurrentWritesThenImpossibleRead(40);
        long start = System.nanoTime();
        var result = Checker.check(REGISTER, history, Duration.ofMillis(100));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result).isInstanceOf(CheckResult.TimedOut.class);
        assertThat(result.toString()).contains("no answer within PT0.1S").contains("in part 1 of 1 (41 operations)");
        assertThat(elapsedMillis).as("the check stops soon after its timeout").isLessThan(5_000);
    }

    @Test
    void theSameKindOfHistoryIsDecidedWhenItIsSmallEnough() {
        assertThat(check(REGISTER, concurrentWritesThenImpossibleRead(10)).verdict())
                .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void noTimeAtAllIsUnknownForAnyNonEmptyHistory() {
        var result = Checker.check(REGISTER, List.of(write(0, 1, 2, 1)), Duration.ZERO);
        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void anOperationThatNeverReturnedCannotHaveAKnownOutput() {
        assertThatThrownBy(() -> new Operation<>(0, "x", Outcome.known("y"), 1, Operation.NEVER))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Operation<>(0, "x", Outcome.known("y"), 5, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("returned at 4 before it was called at 5");
    }
}
