package dev.leasehold.linearizability;

import java.util.Objects;
import java.util.Optional;

/**
 * One register with read, write and compare-and-set, as in Jepsen's etcd register test. The state is the
 * register's value.
 *
 * <ul>
 *   <li>a read returns the value;</li>
 *   <li>a write sets it;</li>
 *   <li>a compare-and-set that returned {@link RegisterOutput.Ok} found {@code expected} and wrote
 *       {@code replacement}; one that returned {@link RegisterOutput.CompareFailed} found another value and
 *       changed nothing;</li>
 *   <li>with an unknown outcome, a write writes, a compare-and-set swaps if it finds {@code expected}, and a
 *       read has no effect.</li>
 * </ul>
 *
 * <p>A register that starts empty (Jepsen's {@code nil}) needs a value standing for "empty" that no write uses,
 * given as the initial value.
 *
 * @param <V> the type of the register's values, compared with {@code equals}
 */
public final class RegisterModel<V> implements Model<V, RegisterInput<V>, RegisterOutput<V>> {

    private final V initial;

    /** A register that holds {@code initial} before any operation. */
    public RegisterModel(V initial) {
        this.initial = Objects.requireNonNull(initial, "initial");
    }

    @Override
    public V init() {
        return initial;
    }

    @Override
    public Optional<V> step(V state, RegisterInput<V> input, Outcome<RegisterOutput<V>> output) {
        RegisterOutput<V> out = output instanceof Outcome.Known<RegisterOutput<V>> known ? known.output() : null;
        if (input instanceof RegisterInput.Read<V>) {
            if (out == null) {
                return Optional.of(state);
            }
            if (out instanceof RegisterOutput.Value<V> value) {
                return value.value().equals(state) ? Optional.of(state) : Optional.empty();
            }
        } else if (input instanceof RegisterInput.Write<V> write) {
            if (out == null || out instanceof RegisterOutput.Ok<V>) {
                return Optional.of(write.value());
            }
        } else if (input instanceof RegisterInput.CompareAndSet<V> cas) {
            boolean matches = cas.expected().equals(state);
            if (out == null) {
                return Optional.of(matches ? cas.replacement() : state);
            }
            if (out instanceof RegisterOutput.Ok<V>) {
                return matches ? Optional.of(cas.replacement()) : Optional.empty();
            }
            if (out instanceof RegisterOutput.CompareFailed<V>) {
                return matches ? Optional.empty() : Optional.of(state);
            }
        }
        throw new IllegalArgumentException(input + " cannot return " + out);
    }
}
