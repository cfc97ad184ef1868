package dev.leasehold.linearizability;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Leasehold's locks with fencing tokens, each guarding a register that only the current holder can write. The
 * state maps each lock touched so far to its {@link LockState}; locks are independent, so {@link #partition}
 * splits a history by lock name.
 *
 * <p>The rules, per lock:
 * <ul>
 *   <li><b>acquire</b> returns {@code Granted(t)} only if the lock is free and {@code t} is strictly greater
 *       than every token granted for this lock before; the session then holds it with {@code t}. It returns
 *       {@code Refused} only if the lock is held (by anyone, the asking session included: a lock is not
 *       re-entrant);</li>
 *   <li><b>release</b>{@code (s, t)} returns {@code Released} only if session {@code s} holds the lock with
 *       token {@code t}, and frees it; otherwise it returns {@code NotHeld} and changes nothing;</li>
 *   <li><b>expire</b>{@code (s)} returns {@code Released} only if session {@code s} holds the lock (with any
 *       token), and frees it; otherwise {@code NotHeld};</li>
 *   <li><b>fencedWrite</b>{@code (t, v)} is {@code Accepted} exactly when the lock is held with token {@code t}
 *       (by whichever session), and then the register holds {@code v}, written with {@code t}; otherwise it is
 *       {@code Rejected} and changes nothing. Since tokens only grow, a token that is not the holder's is
 *       either stale (an earlier holder's) or was never granted;</li>
 *   <li><b>read</b> returns the register's value, {@code ""} before any accepted write.</li>
 * </ul>
 *
 * <p>Expiry is not timed here: a lock lost to session expiry shows up as an {@code expire}. Waiting queues are
 * not modelled either: a blocking acquire is an acquire that returned {@code Granted} when it was granted, and
 * fairness is not checked.
 *
 * <p>Unknown outcomes take the effect they would have had: a release, expire or fenced write takes effect if
 * its condition holds, a read has none, and an acquire grants the lock if it is free. A token is only ever
 * revealed to the client whose acquire returned it, so the token of an acquire with an unknown outcome is never
 * named by any later operation: that holder counts as holding the lock with a token nobody presents (see
 * {@link Holder.HeldWithUnknownToken}), and the next grant's token must exceed it. A client that retries an
 * acquire with the same request id must record the attempts as one operation.
 */
public final class LockModel implements Model<Map<String, LockModel.LockState>, LockInput, LockOutput> {

    /** Who holds a lock. */
    public sealed interface Holder permits Holder.Free, Holder.Held, Holder.HeldWithUnknownToken {

        /** Whether {@code session} holds the lock. */
        boolean heldBy(String session);

        /** Whether the lock is held with exactly {@code token}. */
        boolean heldWith(long token);

        /** Nobody holds the lock. */
        record Free() implements Holder {
            @Override
            public boolean heldBy(String session) {
                return false;
            }

            @Override
            public boolean heldWith(long token) {
                return false;
            }

            @Override
            public String toString() {
                return "free";
            }
        }

        /**
         * {@code session} holds the lock with fencing token {@code token}.
         *
         * @param session the holder
         * @param token   the token of its grant
         */
        record Held(String session, long token) implements Holder {
            /** Checks that the session is present. */
            public Held {
                Objects.requireNonNull(session, "session");
            }

            @Override
            public boolean heldBy(String session) {
                return this.session.equals(session);
            }

            @Override
            public boolean heldWith(long token) {
                return this.token == token;
            }

            @Override
            public String toString() {
                return "held by " + session + " with token " + token;
            }
        }

        /**
         * {@code session} holds the lock through an acquire whose outcome its client never learned, so with a
         * token that no operation of the history presents.
         *
         * @param session the holder
         */
        record HeldWithUnknownToken(String session) implements Holder {
            /** Checks that the session is present. */
            public HeldWithUnknownToken {
                Objects.requireNonNull(session, "session");
            }

            @Override
            public boolean heldBy(String session) {
                return this.session.equals(session);
            }

            @Override
            public boolean heldWith(long token) {
                return false;
            }

            @Override
            public String toString() {
                return "held by " + session + " with an unknown token";
            }
        }
    }

    /**
     * The state of one lock.
     *
     * @param holder       who holds it
     * @param highestToken the highest token granted so far, 0 before any grant; after a grant with an unknown
     *                     token, the least that token can be, which is all later grants need
     * @param value        the fenced register's value, {@code ""} before any accepted write
     * @param valueToken   the token the value was written with, 0 before any accepted write
     */
    public record LockState(Holder holder, long highestToken, String value, long valueToken) {

        /** A lock never acquired, with an empty register. */
        public static final LockState INITIAL = new LockState(new Holder.Free(), 0, "", 0);

        /** Checks that holder and value are present. */
        public LockState {
            Objects.requireNonNull(holder, "holder");
            Objects.requireNonNull(value, "value");
        }

        LockState withHolder(Holder newHolder, long newHighest) {
            return new LockState(newHolder, newHighest, value, valueToken);
        }

        @Override
        public String toString() {
            return holder + ", highest token " + highestToken + ", register \"" + value + "\""
                    + (valueToken == 0 ? "" : " written with token " + valueToken);
        }
    }

    @Override
    public Map<String, LockState> init() {
        return Map.of();
    }

    @Override
    public Optional<Map<String, LockState>> step(Map<String, LockState> state, LockInput input,
                                                 Outcome<LockOutput> output) {
        LockState lock = state.getOrDefault(input.lock(), LockState.INITIAL);
        Optional<LockState> next = output instanceof Outcome.Known<LockOutput> known
                ? stepKnown(lock, input, known.output())
                : Optional.of(stepUnknown(lock, input));
        return next.map(after -> after.equals(lock) ? state : with(state, input.lock(), after));
    }

    private static Optional<LockState> stepKnown(LockState lock, LockInput input, LockOutput out) {
        Holder holder = lock.holder();
        boolean free = holder instanceof Holder.Free;
        if (input instanceof LockInput.Acquire acquire) {
            if (out instanceof LockOutput.Granted granted) {
                return free && granted.token() > lock.highestToken()
                        ? Optional.of(lock.withHolder(new Holder.Held(acquire.session(), granted.token()),
                                granted.token()))
                        : Optional.empty();
            }
            if (out instanceof LockOutput.Refused) {
                return free ? Optional.empty() : Optional.of(lock);
            }
        } else if (input instanceof LockInput.Release release) {
            boolean holds = holder.heldBy(release.session()) && holder.heldWith(release.token());
            if (out instanceof LockOutput.Released) {
                return holds ? Optional.of(lock.withHolder(new Holder.Free(), lock.highestToken())) : Optional.empty();
            }
            if (out instanceof LockOutput.NotHeld) {
                return holds ? Optional.empty() : Optional.of(lock);
            }
        } else if (input instanceof LockInput.Expire expire) {
            boolean holds = holder.heldBy(expire.session());
            if (out instanceof LockOutput.Released) {
                return holds ? Optional.of(lock.withHolder(new Holder.Free(), lock.highestToken())) : Optional.empty();
            }
            if (out instanceof LockOutput.NotHeld) {
                return holds ? Optional.empty() : Optional.of(lock);
            }
        } else if (input instanceof LockInput.FencedWrite write) {
            boolean current = holder.heldWith(write.token());
            if (out instanceof LockOutput.Accepted) {
                return current
                        ? Optional.of(new LockState(holder, lock.highestToken(), write.value(), write.token()))
                        : Optional.empty();
            }
            if (out instanceof LockOutput.Rejected) {
                return current ? Optional.empty() : Optional.of(lock);
            }
        } else if (input instanceof LockInput.Read) {
            if (out instanceof LockOutput.Value value) {
                return value.value().equals(lock.value()) ? Optional.of(lock) : Optional.empty();
            }
        }
        throw new IllegalArgumentException(input + " cannot return " + out);
    }

    private static LockState stepUnknown(LockState lock, LockInput input) {
        Holder holder = lock.holder();
        if (input instanceof LockInput.Acquire acquire) {
            return holder instanceof Holder.Free
                    ? lock.withHolder(new Holder.HeldWithUnknownToken(acquire.session()), lock.highestToken() + 1)
                    : lock;
        }
        if (input instanceof LockInput.Release release) {
            return holder.heldBy(release.session()) && holder.heldWith(release.token())
                    ? lock.withHolder(new Holder.Free(), lock.highestToken())
                    : lock;
        }
        if (input instanceof LockInput.Expire expire) {
            return holder.heldBy(expire.session()) ? lock.withHolder(new Holder.Free(), lock.highestToken()) : lock;
        }
        if (input instanceof LockInput.FencedWrite write) {
            return holder.heldWith(write.token())
                    ? new LockState(holder, lock.highestToken(), write.value(), write.token())
                    : lock;
        }
        return lock; // a read
    }

    private static Map<String, LockState> with(Map<String, LockState> state, String lock, LockState after) {
        if (state.isEmpty() || state.size() == 1 && state.containsKey(lock)) {
            return Map.of(lock, after); // the usual case: a part holds one lock
        }
        Map<String, LockState> copy = new HashMap<>(state);
        copy.put(lock, after);
        return Map.copyOf(copy);
    }

    /** One part per lock. */
    @Override
    public List<List<Operation<LockInput, LockOutput>>> partition(List<Operation<LockInput, LockOutput>> history) {
        return Model.partitionBy(history, LockInput::lock);
    }
}
