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
 * Reads a key-value history with one EDN map per line
 * ({@code {:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}}) into a history for
 * {@link KvModel}.
 */
final class KvEdnLog {

    private static final Pattern ENTRY = Pattern.compile(":([\\w-]+)\\s+(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}\\s]+)");

    private KvEdnLog() {
    }

    static List<Operation<KvInput, KvOutput>> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HistoryRecorder<KvInput, KvOutput> recorder = new HistoryRecorder<>();
        Map<Integer, HistoryRecorder.Invocation> open = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            if (!line.startsWith("{") || !line.endsWith("}")) {
                throw new IllegalArgumentException(where + ": not an EDN map: " + line);
            }
            Map<String, String> event = new HashMap<>();
            Matcher m = ENTRY.matcher(line);
            while (m.find()) {
                event.put(m.group(1), m.group(2));
            }
            int process = Integer.parseInt(field(where, event, "process"));
            String type = field(where, event, "type");
            String f = field(where, event, "f");
            String key = string(where, field(where, event, "key"));
            String value = field(where, event, "value");
            switch (type) {
                case ":invoke" -> {
                    if (open.containsKey(process)) {
                        throw new IllegalArgumentException(where + ": process " + process + " already has an operation open");
                    }
                    KvInput input = switch (f) {
                        case ":get" -> new KvInput.Get(key);
                        case ":put" -> new KvInput.Put(key, string(where, value));
                        case ":append" -> new KvInput.Append(key, string(where, value));
                        default -> throw new IllegalArgumentException(where + ": unknown :f " + f);
                    };
                    open.put(process, recorder.invoke(process, input));
                }
                case ":ok", ":info", ":fail" -> {
                    HistoryRecorder.Invocation call = open.remove(process);
                    if (call == null) {
                        throw new IllegalArgumentException(where + ": process " + process + " has no operation open");
                    }
                    if (type.equals(":info")) {
                        recorder.unknown(call);
                    } else if (type.equals(":fail")) {
                        recorder.failed(call);
                    } else {
                        recorder.returned(call, f.equals(":get")
                                ? new KvOutput.Value(string(where, value))
                                : new KvOutput.Ok());
                    }
                }
                default -> throw new IllegalArgumentException(where + ": unknown :type " + type);
            }
        }
        return recorder.history();
    }

    private static String field(String where, Map<String, String> event, String name) {
        String value = event.get(name);
        if (value == null) {
            throw new IllegalArgumentException(where + ": no :" + name);
        }
        return value;
    }

    /** An EDN string literal's contents. */
    private static String string(String where, String literal) {
        if (literal.length() < 2 || !literal.startsWith("\"") || !literal.endsWith("\"")) {
            throw new IllegalArgumentException(where + ": not a string: " + literal);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c == '\\') {
                char escaped = literal.charAt(++i);
                out.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> escaped;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
