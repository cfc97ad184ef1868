package dev.leasehold.systemtest.history;

import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The merged history of several processes: their operations (an invocation paired with its completion; one that
 * never completed counts as indeterminate, with {@code open=true} in its result) and their notes, in time order.
 */
public final class History {

    private record Key(String process, long id) {
    }

    private final List<HistoryOp> ops;
    private final List<HistoryEvent> notes;

    private History(List<HistoryOp> ops, List<HistoryEvent> notes) {
        this.ops = List.copyOf(ops);
        this.notes = List.copyOf(notes);
    }

    /** Reads and merges history files; a line cut short at the very end of a file (a killed writer) is dropped. */
    public static History read(Collection<Path> files) {
        List<HistoryEvent> events = new ArrayList<>();
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read history " + file, e);
            }
            for (int i = 0; i < lines.size(); i++) {
                try {
                    events.add(HistoryEvent.parse(lines.get(i)));
                } catch (IllegalArgumentException e) {
                    if (i != lines.size() - 1) {
                        throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
                    }
                }
            }
        }
        return of(events);
    }

    /** Pairs events into operations. */
    public static History of(Collection<HistoryEvent> events) {
        Map<Key, HistoryEvent> open = new LinkedHashMap<>();
        List<HistoryOp> ops = new ArrayList<>();
        List<HistoryEvent> notes = new ArrayList<>();
        List<HistoryEvent> sorted = events.stream()
                .sorted(Comparator.comparingLong(HistoryEvent::nanos)).toList();
        for (HistoryEvent e : sorted) {
            Key key = new Key(e.process(), e.id());
            switch (e.kind()) {
                case NOTE -> notes.add(e);
                case INVOKE -> {
                    if (open.put(key, e) != null) {
                        throw new IllegalArgumentException("operation " + key + " invoked twice");
                    }
                }
                default -> {
                    HistoryEvent invoke = open.remove(key);
                    if (invoke == null) {
                        throw new IllegalArgumentException("operation " + key + " completed but never invoked: "
                                + e.toLine());
                    }
                    ops.add(new HistoryOp(e.process(), e.id(), invoke.fields(), invoke.nanos(), e.kind(),
                            e.fields(), e.kind() == Kind.INFO ? HistoryOp.NEVER : e.nanos()));
                }
            }
        }
        for (HistoryEvent invoke : open.values()) {
            ops.add(new HistoryOp(invoke.process(), invoke.id(), invoke.fields(), invoke.nanos(), Kind.INFO,
                    Map.of("why", "never completed", "open", "true"), HistoryOp.NEVER));
        }
        ops.sort(Comparator.comparingLong(HistoryOp::invoked));
        return new History(ops, notes);
    }

    /** Every operation, by invocation time. */
    public List<HistoryOp> ops() {
        return ops;
    }

    /** The operations named {@code op}, by invocation time. */
    public Stream<HistoryOp> ops(String op) {
        return ops.stream().filter(o -> o.op().equals(op));
    }

    /** Every note, in time order. */
    public List<HistoryEvent> notes() {
        return notes;
    }

    /** The notes whose {@code event} field is {@code event}. */
    public Stream<HistoryEvent> notes(String event) {
        return notes.stream().filter(n -> event.equals(n.fields().get("event")));
    }
}
