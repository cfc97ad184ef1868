package dev.leasehold.linearizability;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A key-value store with get, put and append, every key starting as the empty string. The state maps the keys
 * written so far to their values; keys are independent, so {@link #partition} splits a history by key and each
 * key is checked alone.
 *
 * <ul>
 *   <li>a get returns the key's value ({@code ""} if never written);</li>
 *   <li>a put sets it; an append appends to it;</li>
 *   <li>with an unknown outcome, a put or an append takes effect, and a get has no effect.</li>
 * </ul>
 */
public final class KvModel implements Model<Map<String, String>, KvInput, KvOutput> {

    @Override
    public Map<String, String> init() {
        return Map.of();
    }

    @Override
    public Optional<Map<String, String>> step(Map<String, String> state, KvInput input, Outcome<KvOutput> output) {
        KvOutput out = output instanceof Outcome.Known<KvOutput> known ? known.output() : null;
        String current = state.getOrDefault(input.key(), "");
        if (input instanceof KvInput.Get) {
            if (out == null) {
                return Optional.of(state);
            }
            if (out instanceof KvOutput.Value value) {
                return value.value().equals(current) ? Optional.of(state) : Optional.empty();
            }
        } else if (out == null || out instanceof KvOutput.Ok) {
            if (input instanceof KvInput.Put put) {
                return Optional.of(with(state, put.key(), put.value()));
            }
            if (input instanceof KvInput.Append append) {
                return Optional.of(with(state, append.key(), current + append.value()));
            }
        }
        throw new IllegalArgumentException(input + " cannot return " + out);
    }

    private static Map<String, String> with(Map<String, String> state, String key, String value) {
        if (state.isEmpty() || state.size() == 1 && state.containsKey(key)) {
            return Map.of(key, value); // the usual case: a part holds one key
        }
        Map<String, String> copy = new HashMap<>(state);
        copy.put(key, value);
        return Map.copyOf(copy);
    }

    /** One part per key. */
    @Override
    public List<List<Operation<KvInput, KvOutput>>> partition(List<Operation<KvInput, KvOutput>> history) {
        return Model.partitionBy(history, KvInput::key);
    }
}
