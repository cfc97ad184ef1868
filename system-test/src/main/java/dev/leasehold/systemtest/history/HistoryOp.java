package dev.leasehold.systemtest.history;

import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An operation of a merged history: its invocation and how it completed.
 *
 * @param process   who invoked it
 * @param id        its id within the process
 * @param call      what was asked ({@code op} names the operation)
 * @param invoked   when it was invoked
 * @param outcome   {@link Kind#OK}, {@link Kind#FAIL} or {@link Kind#INFO}; an operation never completed is INFO
 * @param result    what came back, or why it failed
 * @param completed when the answer came; {@link #NEVER} for an indeterminate operation, which may take effect at
 *                  any time after its invocation
 */
public record HistoryOp(String process, long id, Map<String, String> call, long invoked, Kind outcome,
                        Map<String, String> result, long completed) {

    /** The completion time of an operation that never completed. */
    public static final long NEVER = Long.MAX_VALUE;

    public HistoryOp {
        Objects.requireNonNull(process, "process");
        call = Map.copyOf(call);
        result = Map.copyOf(result);
        if (outcome != Kind.OK && outcome != Kind.FAIL && outcome != Kind.INFO) {
            throw new IllegalArgumentException("an operation completes ok, fail or info, not " + outcome);
        }
        if (completed < invoked) {
            throw new IllegalArgumentException("operation " + process + "/" + id + " completed before it was "
                    + "invoked");
        }
    }

    public String op() {
        return arg("op");
    }

    /** A field of the call, which must be there. */
    public String arg(String name) {
        String v = call.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no argument " + name + " in " + this);
        }
        return v;
    }

    public long longArg(String name) {
        return Long.parseLong(arg(name));
    }

    public Optional<String> value(String name) {
        return Optional.ofNullable(result.get(name));
    }

    /** A field of the result, which must be there. */
    public String resultField(String name) {
        return value(name).orElseThrow(() -> new IllegalArgumentException("no result " + name + " in " + this));
    }

    public boolean ok() {
        return outcome == Kind.OK;
    }

    public boolean failed() {
        return outcome == Kind.FAIL;
    }

    public boolean indeterminate() {
        return outcome == Kind.INFO;
    }

    @Override
    public String toString() {
        return process + "#" + id + " " + call + " -> " + outcome.name().toLowerCase(java.util.Locale.ROOT) + " "
                + result + " [" + invoked + ", " + (completed == NEVER ? "never" : Long.toString(completed)) + "]";
    }
}
