package dev.leasehold.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Random small histories: each client runs operations one after another at random times; a sequential run of
 * the model at a random instant inside each operation gives its true output, and some outputs are then
 * replaced by another candidate, so that some histories are linearizable and some are not.
 */
final class RandomHistories {

    private RandomHistories() {
    }

    private record Planned<I>(int client, I input, long call, long ret, double instant, boolean unknown) {
    }

    static <S, I, O> List<Operation<I, O>> generate(Random random, Model<S, I, O> model, int clients,
                                                    int opsPerClient, double corruption, double unknownRate,
                                                    Function<Random, I> inputs,
                                                    BiFunction<S, I, List<O>> candidates) {
        List<Planned<I>> planned = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long t = random.nextInt(4);
            for (int k = 0; k < opsPerClient; k++) {
                long call = t;
                long ret = call + random.nextInt(8);
                double instant = call + random.nextDouble() * (ret - call);
                planned.add(new Planned<>(c, inputs.apply(random), call, ret, instant,
                        random.nextDouble() < unknownRate));
                t = ret + random.nextInt(3);
            }
        }
        List<Planned<I>> byInstant = new ArrayList<>(planned);
        byInstant.sort(Comparator.comparingDouble(Planned::instant));
        S state = model.init();
        List<Operation<I, O>> history = new ArrayList<>();
        for (Planned<I> p : byInstant) {
            if (p.unknown()) {
                if (random.nextBoolean()) {
                    state = model.step(state, p.input(), Outcome.unknown()).orElseThrow();
                }
                history.add(Operation.unknown(p.client(), p.input(), p.call()));
                continue;
            }
            List<O> options = candidates.apply(state, p.input());
            O chosen = null;
            Optional<S> next = Optional.empty();
            for (O option : options) {
                next = model.step(state, p.input(), Outcome.known(option));
                if (next.isPresent()) {
                    chosen = option;
                    break;
                }
            }
            if (chosen == null) {
                throw new IllegalStateException("no candidate output for " + p.input() + " in " + state);
            }
            state = next.orElseThrow();
            if (random.nextDouble() < corruption) {
                chosen = options.get(random.nextInt(options.size()));
            }
            history.add(Operation.completed(p.client(), p.input(), chosen, p.call(), p.ret()));
        }
        history.sort(Comparator.comparingLong(Operation::callTime));
        return history;
    }

    static List<Operation<RegisterInput<Integer>, RegisterOutput<Integer>>> registerHistory(
            Random random, int clients, int opsPerClient, double corruption) {
        return generate(random, new RegisterModel<>(0), clients, opsPerClient, corruption, 0.15,
                r -> switch (r.nextInt(3)) {
                    case 0 -> new RegisterInput.Read<>();
                    case 1 -> new RegisterInput.Write<>(r.nextInt(4));
                    default -> new RegisterInput.CompareAndSet<>(r.nextInt(4), r.nextInt(4));
                },
                (state, input) -> {
                    if (input instanceof RegisterInput.Read<Integer>) {
                        List<RegisterOutput<Integer>> values = new ArrayList<>();
                        for (int v = 0; v < 4; v++) {
                            values.add(new RegisterOutput.Value<>(v));
                        }
                        return values;
                    }
                    if (input instanceof RegisterInput.Write<Integer>) {
                        return List.of(new RegisterOutput.Ok<>());
                    }
                    return List.of(new RegisterOutput.Ok<>(), new RegisterOutput.CompareFailed<>());
                });
    }

    static List<Operation<KvInput, KvOutput>> kvHistory(Random random, int clients, int opsPerClient,
                                                        double corruption) {
        String[] keys = {"a", "b"};
        String[] values = {"x", "y"};
        return generate(random, new KvModel(), clients, opsPerClient, corruption, 0.15,
                r -> {
                    String key = keys[r.nextInt(keys.length)];
                    return switch (r.nextInt(3)) {
                        case 0 -> new KvInput.Get(key);
                        case 1 -> new KvInput.Put(key, values[r.nextInt(values.length)]);
                        default -> new KvInput.Append(key, values[r.nextInt(values.length)]);
                    };
                },
                (Map<String, String> state, KvInput input) -> {
                    if (input instanceof KvInput.Get get) {
                        String current = state.getOrDefault(get.key(), "");
                        List<KvOutput> options = new ArrayList<>();
                        options.add(new KvOutput.Value(current));
                        for (String wrong : List.of("", "x", "y", "xy", "yx", "xx")) {
                            options.add(new KvOutput.Value(wrong));
                        }
                        return options;
                    }
                    return List.of(new KvOutput.Ok());
                });
    }

    static List<Operation<LockInput, LockOutput>> lockHistory(Random random, int clients, int opsPerClient,
                                                              double corruption) {
        String[] locks = {"L", "M"};
        return generate(random, new LockModel(), clients, opsPerClient, corruption, 0.15,
                r -> {
                    String lock = r.nextInt(4) == 0 ? locks[1] : locks[0];
                    String session = "s" + r.nextInt(3);
                    return switch (r.nextInt(6)) {
                        case 0, 1 -> new LockInput.Acquire(lock, session);
                        case 2 -> new LockInput.Release(lock, session, 1 + r.nextInt(5));
                        case 3 -> new LockInput.Expire(lock, session);
                        case 4 -> new LockInput.FencedWrite(lock, 1 + r.nextInt(5), r.nextBoolean() ? "v" : "w");
                        default -> new LockInput.Read(lock);
                    };
                },
                (Map<String, LockModel.LockState> state, LockInput input) -> {
                    LockModel.LockState lock = state.getOrDefault(input.lock(), LockModel.LockState.INITIAL);
                    if (input instanceof LockInput.Acquire) {
                        return List.of(new LockOutput.Granted(lock.highestToken() + 1),
                                new LockOutput.Granted(lock.highestToken() + 2), new LockOutput.Refused(),
                                new LockOutput.Granted(Math.max(1, lock.highestToken())));
                    }
                    if (input instanceof LockInput.Release || input instanceof LockInput.Expire) {
                        return List.of(new LockOutput.Released(), new LockOutput.NotHeld());
                    }
                    if (input instanceof LockInput.FencedWrite) {
                        return List.of(new LockOutput.Accepted(), new LockOutput.Rejected());
                    }
                    return List.of(new LockOutput.Value(lock.value()), new LockOutput.Value(""),
                            new LockOutput.Value("v"), new LockOutput.Value("w"));
                });
    }
}
