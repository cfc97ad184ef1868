package dev.leasehold.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Jepsen's etcd register histories get the answers Porcupine's tests assert for them (expected.tsv). */
class EtcdRegisterHistoriesTest {

    private static final Timings TIMINGS = new Timings("etcd-register");

    private static Path directory() {
        return TestData.directory().resolve("etcd-register");
    }

    static Stream<Arguments> expectedAnswers() throws IOException {
        List<Arguments> answers = new ArrayList<>();
        for (String line : Files.readAllLines(directory().resolve("expected.tsv"))) {
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split("\t");
            Verdict expected = switch (fields[1].strip()) {
                case "linearizable" -> Verdict.LINEARIZABLE;
                case "not-linearizable" -> Verdict.NOT_LINEARIZABLE;
                default -> throw new IllegalArgumentException("expected.tsv: unknown answer in " + line);
            };
            answers.add(Arguments.of(fields[0].strip(), expected));
        }
        return answers.stream();
    }

    @ParameterizedTest(name = "{0} is {1}")
    @MethodSource("expectedAnswers")
    void historyGetsItsKnownAnswerWithinTheTimeout(String file, Verdict expected) {
        var history = EtcdRegisterLog.read(directory().resolve(file));
        var model = EtcdRegisterLog.model();

        long start = System.nanoTime();
        var result = Checker.check(model, history, Histories.GENEROUS);
        TIMINGS.record(file, System.nanoTime() - start);

        Histories.verified(model, history, result);
        assertThat(result.verdict()).as("%s: %s", file, result).isEqualTo(expected);
    }

    @Test
    void everyLogHasAnAnswerAndEveryAnswerALog() throws IOException {
        List<String> answered = expectedAnswers().map(a -> (String) a.get()[0]).sorted().toList();
        List<String> logs;
        try (Stream<Path> files = Files.list(directory())) {
            logs = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
        }
        assertThat(logs).isNotEmpty().isEqualTo(answered);
    }

    @Test
    void theLogsAreReadWithEveryKindOfEvent() {
        var history = EtcdRegisterLog.read(directory().resolve("etcd_000.log"));
        assertThat(history).isNotEmpty();
        assertThat(history).anyMatch(op -> op.output() instanceof Outcome.Unknown && op.returnTime() == Operation.NEVER);
        assertThat(history).anyMatch(op -> op.output().equals(Outcome.known(new RegisterOutput.CompareFailed<>())));
        assertThat(history).anyMatch(op -> op.output().equals(Outcome.known(new RegisterOutput.Value<>("nil"))));
    }

    @AfterAll
    static void reportTheSlowest() {
        System.out.println(TIMINGS.report());
    }
}
