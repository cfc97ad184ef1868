package dev.leasehold.systemtest.history;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a history file: at {@code nanos} (System.nanoTime, see {@link HistoryWriter} for why that is one
 * clock for every JVM of the machine), process {@code process} invoked operation {@code id}, completed it (ok,
 * fail: certainly without effect, info: outcome unknown), or noted a fact.
 *
 * <p>On disk: {@code nanos TAB process TAB kind TAB id} and then one {@code name=value} per field, tab-separated,
 * in the order given. Names and values hold no tab or line break (the writer replaces them with spaces).
 *
 * @param nanos   when, on the machine's monotonic clock
 * @param process who: a worker, or the test itself
 * @param kind    what happened
 * @param id      the operation, unique within the process; a note has an id of its own
 * @param fields  what was asked (on an invoke), what came back (on a completion), or the fact (on a note)
 */
public record HistoryEvent(long nanos, String process, Kind kind, long id, Map<String, String> fields) {

    /** What a line records. */
    public enum Kind {
        /** An operation is about to be sent. */
        INVOKE,
        /** It completed with the result in the fields. */
        OK,
        /** It was refused and certainly changed nothing. */
        FAIL,
        /** Its outcome is unknown: it may take effect at any time after its invocation, or never. */
        INFO,
        /** A fact observed at that time (a keep-alive acknowledged, a fault injected). */
        NOTE
    }

    public HistoryEvent {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(kind, "kind");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Fields from alternating names and values. */
    public static Map<String, String> fields(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("fields come in name, value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    public Optional<String> find(String name) {
        return Optional.ofNullable(fields.get(name));
    }

    /** The field, which must be there. */
    public String field(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("no field " + name + " in " + toLine()));
    }

    public String toLine() {
        StringBuilder b = new StringBuilder().append(nanos).append('\t').append(clean(process)).append('\t')
                .append(kind.name().toLowerCase(java.util.Locale.ROOT)).append('\t').append(id);
        fields.forEach((name, value) -> b.append('\t').append(clean(name).replace('=', '_')).append('=')
                .append(clean(value)));
        return b.toString();
    }

    /** Parses a line written by {@link #toLine()}. */
    public static HistoryEvent parse(String line) {
        String[] parts = line.split("\t", -1);
        if (parts.length < 4) {
            throw new IllegalArgumentException("not a history line: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 4; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("field without '=' in history line: " + line);
            }
            fields.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        try {
            return new HistoryEvent(Long.parseLong(parts[0]), parts[1],
                    Kind.valueOf(parts[2].toUpperCase(java.util.Locale.ROOT)), Long.parseLong(parts[3]), fields);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a history line: " + line, e);
        }
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
