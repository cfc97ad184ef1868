package dev.leasehold.systemtest.history;

import static dev.leasehold.systemtest.history.HistoryEvent.fields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {

    @TempDir
    Path dir;

    @Test
    void aLineReadsBackAsTheEventThatWroteItWithTabsAndLineBreaksInValuesBlanked() {
        HistoryEvent e = new HistoryEvent(42, "w1", Kind.FAIL, 7, fields("code", "FAILED_PRECONDITION",
                "why", "stale\tfence\nagain"));

        HistoryEvent back = HistoryEvent.parse(e.toLine());

        assertThat(back.nanos()).isEqualTo(42);
        assertThat(back.kind()).isEqualTo(Kind.FAIL);
        assertThat(back.field("why")).isEqualTo("stale fence again");
        assertThat(back.field("code")).isEqualTo("FAILED_PRECONDITION");
    }

    @Test
    void filesOfSeveralProcessesMergeIntoOperationsAndAnOperationNeverCompletedIsIndeterminate() throws IOException {
        Path a = dir.resolve("a.history");
        Path b = dir.resolve("b.history");
        try (HistoryWriter wa = new HistoryWriter(a, "a"); HistoryWriter wb = new HistoryWriter(b, "b")) {
            long put = wa.invoke(fields("op", "put", "key", "k"));
            long get = wb.invoke(fields("op", "get", "key", "k"));
            wa.ok(put, fields("revision", "1"));
            wb.note(fields("event", "fault", "kind", "leader-kill"));
            wa.info(wa.invoke(fields("op", "put", "key", "k")), fields("why", "UNAVAILABLE"));
            assertThat(get).isEqualTo(1);
        }
        Files.writeString(b, "12345\tb\tok", StandardOpenOption.APPEND); // cut short by a kill

        History h = History.read(List.of(a, b));

        assertThat(h.ops()).extracting(HistoryOp::process, HistoryOp::op, HistoryOp::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", "put", Kind.OK),
                org.assertj.core.groups.Tuple.tuple("b", "get", Kind.INFO),
                org.assertj.core.groups.Tuple.tuple("a", "put", Kind.INFO));
        assertThat(h.ops().get(0).resultField("revision")).isEqualTo("1");
        assertThat(h.ops().get(1).completed()).isEqualTo(HistoryOp.NEVER);
        assertThat(h.ops().get(2).completed()).isEqualTo(HistoryOp.NEVER);
        assertThat(h.notes("fault")).hasSize(1);
    }
}
