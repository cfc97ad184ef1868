package dev.leasehold.linearizability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Jepsen etcd register log ({@code INFO  jepsen.util - <process> <type> <f> <value>}, fields separated
 * by tabs or spaces) into a history for {@link RegisterModel}, with the empty register as {@link #NIL}.
 */
final class EtcdRegisterLog {

    /** The register's value before any write; no write in these logs uses it. */
    static final String NIL = "nil";

    private static final Pattern LINE = Pattern.compile(
            "^INFO\\s+jepsen\\.util\\s+-\\s+(\\d+)\\s+:(invoke|ok|fail|info)\\s+:(read|write|cas)\\s+(.*?)\\s*$");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern PAIR = Pattern.compile("\\[(\\d+)\\s+(\\d+)]");

    private EtcdRegisterLog() {
    }

    static RegisterModel<String> model() {
        return new RegisterModel<>(NIL);
    }

    static List<Operation<RegisterInput<String>, RegisterOutput<String>>> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HistoryRecorder<RegisterInput<String>, RegisterOutput<String>> recorder = new HistoryRecorder<>();
        Map<Integer, HistoryRecorder.Invocation> open = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException(where + ": not a Jepsen register event: " + line);
            }
            int process = Integer.parseInt(m.group(1));
            String type = m.group(2);
            String f = m.group(3);
            String value = m.group(4);
            if (type.equals("invoke")) {
                if (open.containsKey(process)) {
                    throw new IllegalArgumentException(where + ": process " + process + " already has an operation open");
                }
                open.put(process, recorder.invoke(process, input(where, f, value)));
                continue;
            }
            HistoryRecorder.Invocation call = open.remove(process);
            if (call == null) {
                throw new IllegalArgumentException(where + ": process " + process + " has no operation open");
            }
            switch (type) {
                case "info" -> recorder.unknown(call); // indeterminate: any time after the call, or never
                case "fail" -> {
                    if (f.equals("cas")) {
                        recorder.returned(call, new RegisterOutput.CompareFailed<>());
                    } else if (f.equals("read") && value.equals(":timed-out")) {
                        recorder.unknown(call); // a read with an unknown result
                    } else {
                        recorder.failed(call); // did not take effect
                    }
                }
                default -> recorder.returned(call, switch (f) {
                    case "read" -> new RegisterOutput.Value<>(value(where, value));
                    case "write", "cas" -> new RegisterOutput.Ok<>();
                    default -> throw new IllegalStateException(f);
                });
            }
        }
        return recorder.history();
    }

    private static RegisterInput<String> input(String where, String f, String value) {
        return switch (f) {
            case "read" -> new RegisterInput.Read<>();
            case "write" -> new RegisterInput.Write<>(value(where, value));
            case "cas" -> {
                Matcher pair = PAIR.matcher(value);
                if (!pair.matches()) {
                    throw new IllegalArgumentException(where + ": a cas needs [old new], not " + value);
                }
                yield new RegisterInput.CompareAndSet<>(pair.group(1), pair.group(2));
            }
            default -> throw new IllegalStateException(f);
        };
    }

    private static String value(String where, String value) {
        if (value.equals(NIL) || NUMBER.matcher(value).matches()) {
            return value;
        }
        throw new IllegalArgumentException(where + ": not a register value: " + value);
    }
}
