package dev.leasehold.linearizability;

import static dev.leasehold.linearizability.Histories.check;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KvModelTest {

    private static final KvModel KV = new KvModel();

    private static Operation<KvInput, KvOutput> put(int client, long call, long ret, String key, String value) {
        return Operation.completed(client, new KvInput.Put(key, value), new KvOutput.Ok(), call, ret);
    }

    private static Operation<KvInput, KvOutput> append(int client, long call, long ret, String key, String value) {
        return Operation.completed(client, new KvInput.Append(key, value), new KvOutput.Ok(), call, ret);
    }

    private static Operation<KvInput, KvOutput> get(int client, long call, long ret, String key, String value) {
        return Operation.completed(client, new KvInput.Get(key), new KvOutput.Value(value), call, ret);
    }

    private static Verdict verdictOf(List<Operation<KvInput, KvOutput>> history) {
        return check(KV, history).verdict();
    }

    @Test
    void everyKeyStartsEmpty() {
        assertThat(verdictOf(List.of(get(0, 1, 2, "k", "")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(append(0, 1, 2, "k", "x"), get(0, 3, 4, "k", "x"))))
                .isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void appendsAccumulateInTheirRealTimeOrder() {
        var appends = List.of(append(0, 1, 2, "k", "x"), append(0, 3, 4, "k", "y"));
        assertThat(verdictOf(concat(appends, get(1, 5, 6, "k", "xy")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(concat(appends, get(1, 5, 6, "k", "yx")))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void concurrentAppendsLandInEitherOrderButBothLand() {
        var appends = List.of(append(0, 1, 4, "k", "x"), append(1, 2, 3, "k", "y"));
        assertThat(verdictOf(concat(appends, get(2, 5, 6, "k", "xy")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(concat(appends, get(2, 5, 6, "k", "yx")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(concat(appends, get(2, 5, 6, "k", "x"))))
                .as("a lost append").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aPutReplacesWhatWasThere() {
        assertThat(verdictOf(List.of(append(0, 1, 2, "k", "x"), put(0, 3, 4, "k", "p"), append(0, 5, 6, "k", "y"),
                get(1, 7, 8, "k", "py")))).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(append(0, 1, 2, "k", "x"), put(0, 3, 4, "k", "p"), get(1, 5, 6, "k", "x"))))
                .as("a stale read").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void keysAreIndependent() {
        var history = List.of(put(0, 1, 2, "a", "1"), put(1, 1, 2, "b", "2"), get(2, 3, 4, "a", "1"),
                get(2, 5, 6, "b", "2"), get(3, 3, 4, "c", ""));
        var result = check(KV, history);

        assertThat(result.verdict()).isEqualTo(Verdict.LINEARIZABLE);
        assertThat(KV.partition(history)).hasSize(3);
        assertThat(verdictOf(List.of(put(0, 1, 2, "a", "1"), get(1, 3, 4, "b", "1"))))
                .as("a value read from the wrong key").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anAppendWithUnknownOutcomeMayLandLateOrNever() {
        var lost = Operation.<KvInput, KvOutput>unknown(0, new KvInput.Append("k", "x"), 1);
        assertThat(verdictOf(List.of(lost, get(1, 5, 6, "k", ""), append(1, 7, 8, "k", "y"), get(1, 9, 10, "k", "yx"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(lost, get(1, 5, 6, "k", ""), append(1, 7, 8, "k", "y"), get(1, 9, 10, "k", "y"))))
                .isEqualTo(Verdict.LINEARIZABLE);
        assertThat(verdictOf(List.of(lost, get(1, 5, 6, "k", "x"), get(1, 9, 10, "k", "xx"))))
                .as("it lands at most once").isEqualTo(Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void theStateHoldsOnlyKeysWritten() {
        var state = KV.step(KV.init(), new KvInput.Append("a", "x"), Outcome.known(new KvOutput.Ok()))
                .flatMap(s -> KV.step(s, new KvInput.Append("b", "y"), Outcome.known(new KvOutput.Ok())))
                .flatMap(s -> KV.step(s, new KvInput.Append("a", "z"), Outcome.known(new KvOutput.Ok())))
                .orElseThrow();
        assertThat(state).isEqualTo(Map.of("a", "xz", "b", "y"));
    }

    private static List<Operation<KvInput, KvOutput>> concat(List<Operation<KvInput, KvOutput>> a,
                                                             Operation<KvInput, KvOutput> b) {
        var all = new java.util.ArrayList<>(a);
        all.add(b);
        return all;
    }
}
