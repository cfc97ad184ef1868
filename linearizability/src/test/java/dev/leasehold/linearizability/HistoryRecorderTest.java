package dev.leasehold.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    @Test
    void anOperationThatReturnedBeforeAnotherWasInvokedPrecedesIt() {
        var recorder = new HistoryRecorder<String, String>();
        var first = recorder.invoke(0, "a");
        recorder.returned(first, "1");
        var second = recorder.invoke(1, "b");
        recorder.returned(second, "2");

        var history = recorder.history();
        assertThat(history).hasSize(2);
        assertThat(history.get(0).precedes(history.get(1))).isTrue();
        assertThat(history.get(0).output()).isEqualTo(Outcome.known("1"));
    }

    @Test
    void operationsInvokedBeforeEitherReturnedOverlap() {
        var recorder = new HistoryRecorder<String, String>();
        var a = recorder.invoke(0, "a");
        var b = recorder.invoke(1, "b");
        recorder.returned(b, "2");
        recorder.returned(a, "1");

        var history = recorder.history();
        assertThat(history.get(0).precedes(history.get(1))).isFalse();
        assertThat(history.get(1).precedes(history.get(0))).isFalse();
    }

    @Test
    void unknownAndStillOpenOperationsNeverReturnAndFailedOnesAreLeftOut() {
        var recorder = new HistoryRecorder<String, String>();
        var timedOut = recorder.invoke(0, "timed out");
        var refused = recorder.invoke(1, "refused");
        var open = recorder.invoke(2, "open");
        recorder.unknown(timedOut);
        recorder.failed(refused);

        var history = recorder.history();
        assertThat(history).extracting(Operation::input).containsExactly("timed out", "open");
        assertThat(history).allMatch(op -> op.returnTime() == Operation.NEVER && op.output() instanceof Outcome.Unknown);
        assertThat(open.id()).isEqualTo(2);
    }

    @Test
    void anOperationCompletesOnce() {
        var recorder = new HistoryRecorder<String, String>();
        var a = recorder.invoke(0, "a");
        recorder.returned(a, "1");
        assertThatThrownBy(() -> recorder.returned(a, "1")).isInstanceOf(IllegalStateException.class)
                .hasMessage("operation 0 is not open");
    }

    @Test
    void threadsRecordingAtOnceGiveALinearizableHistoryOfALinearizableObject() throws InterruptedException {
        // A synchronized counter register is linearizable; a history recorded around it must say so.
        var recorder = new HistoryRecorder<KvInput, KvOutput>();
        var value = new StringBuilder();
        var start = new CountDownLatch(1);
        var failure = new AtomicReference<Throwable>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int client = t;
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 25; i++) {
                        if (i % 3 == 0) {
                            var call = recorder.invoke(client, new KvInput.Get("k"));
                            String seen;
                            synchronized (value) {
                                seen = value.toString();
                            }
                            recorder.returned(call, new KvOutput.Value(seen));
                        } else {
                            String piece = client + "." + i + " ";
                            var call = recorder.invoke(client, new KvInput.Append("k", piece));
                            synchronized (value) {
                                value.append(piece);
                            }
                            recorder.returned(call, new KvOutput.Ok());
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failure.get()).isNull();

        var history = recorder.history();
        assertThat(history).hasSize(100);
        assertThat(Checker.check(new KvModel(), history, Duration.ofSeconds(30)).verdict())
                .isEqualTo(Verdict.LINEARIZABLE);
    }
}
