package dev.leasehold.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.linearizability.CheckResult.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The key-value histories get the answer in their names: {@code -ok} linearizable, {@code -bad} not. */
class KvHistoriesTest {

    private static final Timings TIMINGS = new Timings("kv");

    private static Path directory() {
        return TestData.directory().resolve("kv");
    }

    static List<String> files() throws IOException {
        try (Stream<Path> files = Files.list(directory())) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt"))
                    .sorted().toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no kv histories in " + directory());
            }
            return names;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void historyGetsTheAnswerInItsName(String file) {
        Verdict expected = file.contains("-ok") ? Verdict.LINEARIZABLE
                : file.contains("-bad") ? Verdict.NOT_LINEARIZABLE
                : null;
        assertThat(expected).as("%s names no answer (-ok or -bad)", file).isNotNull();
        var history = KvEdnLog.read(directory().resolve(file));
        var model = new KvModel();

        long start = System.nanoTime();
        var result = Checker.check(model, history, Histories.GENEROUS);
        TIMINGS.record(file, System.nanoTime() - start);

        Histories.verified(model, history, result);
        assertThat(result.verdict()).as("%s: %s", file, result).isEqualTo(expected);
    }

    @AfterAll
    static void reportTheSlowest() {
        System.out.println(TIMINGS.report());
    }
}
