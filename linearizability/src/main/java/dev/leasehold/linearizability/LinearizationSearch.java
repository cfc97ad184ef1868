package dev.leasehold.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Wing and Gong's depth-first search for a linearization of one part of a history, as Lowe and Porcupine
 * refine it.
 *
 * <p>The call and return events sit in a doubly linked list in time order (calls before returns at equal
 * times). Walking it from the front, the search tries to linearize each call it meets: if the model accepts the
 * operation in the current state and the resulting configuration (set of operations linearized, state) is new,
 * the operation's call and return are lifted out of the list, the choice is pushed on a stack, and the walk
 * starts again from the front. Reaching a return event means that operation returned before it was
 * linearized, so the last choice was wrong: pop it, put its events back, and try the next call after it.
 * An empty list is a linearization; an empty stack at a return is proof there is none.
 *
 * <p>The cache is what makes this practical: a configuration seen before leads to the same dead ends, so it is
 * skipped. Sets of operations are bitsets, hashed incrementally with Zobrist keys drawn from a fixed seed, so
 * the search does the same thing on every run.
 *
 * <p>Operations that never returned (unknown outcome, {@link Operation#NEVER}) get three more rules, all sound
 * because such an operation precedes nothing and the model accepts it in every state: one that would change
 * nothing where it stands is not tried there (it can as well go last); once only such operations remain, they
 * go last in any order; and among calls the search may choose from, it tries them after the others.
 */
final class LinearizationSearch<S, I, O> {

    /** The verdict of one search, with op indices into the part. */
    sealed interface Result {
    }

    /** A linearization: operation indices in order. */
    record Found(int[] order) implements Result {
    }

    /** No linearization; the deepest dead end, for the explanation. */
    record Refuted(String explanation, int[] longestPrefix, int unplaceable) implements Result {
    }

    /** Out of time after exploring this many configurations. */
    record OutOfTime(long steps, int cacheSize, int deepest) implements Result {
    }

    private static final int HEAD = 0;
    private static final long ZOBRIST_SEED = 0x1ea5e401dL;
    /** How many loop turns between looks at the clock. */
    private static final int CLOCK_INTERVAL = 1024;
    private static final int MAX_LISTED = 30;

    private final Model<S, I, O> model;
    private final List<Operation<I, O>> ops;
    private final int n;
    private final int tail;
    // The event list: node 0 is the head sentinel, 1..2n are events, 2n+1 is the tail sentinel.
    private final int[] next;
    private final int[] prev;
    /** For a call node, its return node; for a return node, -1. */
    private final int[] match;
    /** The operation (index into {@link #ops}) of each event node. */
    private final int[] opOf;
    private final long[] zobrist;

    // Deepest dead end so far.
    private int deepest = -1;
    private int[] deepestPrefix = new int[0];
    private int deepestStuck = -1;
    private String deepestExplanationBody = "";

    LinearizationSearch(Model<S, I, O> model, List<Operation<I, O>> ops) {
        this.model = model;
        this.ops = ops;
        this.n = ops.size();
        this.tail = 2 * n + 1;
        this.next = new int[2 * n + 2];
        this.prev = new int[2 * n + 2];
        this.match = new int[2 * n + 2];
        this.opOf = new int[2 * n + 2];
        buildEventList();
        SplittableRandom random = new SplittableRandom(ZOBRIST_SEED);
        this.zobrist = new long[n];
        for (int i = 0; i < n; i++) {
            zobrist[i] = random.nextLong();
        }
    }

    /** Events 0..n-1 are calls of operations 0..n-1, events n..2n-1 their returns. */
    private void buildEventList() {
        Integer[] events = new Integer[2 * n];
        for (int e = 0; e < 2 * n; e++) {
            events[e] = e;
        }
        Arrays.sort(events, (a, b) -> {
            int c = Long.compare(eventTime(a), eventTime(b));
            if (c != 0) {
                return c;
            }
            c = Boolean.compare(a >= n, b >= n); // calls first: equal times count as concurrent
            return c != 0 ? c : Integer.compare(a, b);
        });
        deferNeverReturningCalls(events);
        int[] nodeOfEvent = new int[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            nodeOfEvent[events[i]] = i + 1;
        }
        for (int node = 0; node <= tail; node++) {
            next[node] = node + 1;
            prev[node] = node - 1;
            match[node] = -1;
        }
        next[tail] = -1;
        for (int op = 0; op < n; op++) {
            int call = nodeOfEvent[op];
            int ret = nodeOfEvent[n + op];
            match[call] = ret;
            opOf[call] = op;
            opOf[ret] = op;
        }
    }

    /**
     * Within each run of consecutive calls, puts the calls of operations that never returned after the others.
     * Which calls may be linearized depends only on which return comes first, not on the order of the calls
     * before it, so this changes only the order the search tries them in: operations with a known output
     * first, since they are the ones that constrain the search; the others can always wait.
     */
    private void deferNeverReturningCalls(Integer[] events) {
        int start = 0;
        while (start < events.length) {
            int end = start;
            while (end < events.length && events[end] < n) {
                end++;
            }
            if (end - start > 1) {
                Integer[] run = Arrays.copyOfRange(events, start, end);
                int k = start;
                for (Integer call : run) {
                    if (!neverReturned(call)) {
                        events[k++] = call;
                    }
                }
                for (Integer call : run) {
                    if (neverReturned(call)) {
                        events[k++] = call;
                    }
                }
            }
            start = end + 1;
        }
    }

    private long eventTime(int event) {
        return event < n ? ops.get(event).callTime() : ops.get(event - n).returnTime();
    }

    /** Takes a call and its return out of the list. */
    private void lift(int call) {
        next[prev[call]] = next[call];
        prev[next[call]] = prev[call];
        int ret = match[call];
        next[prev[ret]] = next[ret];
        prev[next[ret]] = prev[ret];
    }

    /** Puts back what {@link #lift} took out; lifts are undone in the reverse order. */
    private void unlift(int call) {
        int ret = match[call];
        prev[next[ret]] = ret;
        next[prev[ret]] = ret;
        prev[next[call]] = call;
        next[prev[call]] = call;
    }

    /** A configuration explored: which operations are linearized, and the state they lead to. */
    private final class Configuration {
        private final long[] linearized;
        private final S state;
        private final int hash;

        Configuration(long[] linearized, S state, long setHash) {
            this.linearized = linearized;
            this.state = state;
            this.hash = Long.hashCode(setHash) * 31 + model.stateHash(state);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == null || o.getClass() != getClass()) {
                return false;
            }
            @SuppressWarnings("unchecked")
            Configuration other = (Configuration) o;
            return hash == other.hash && Arrays.equals(linearized, other.linearized)
                    && model.sameState(state, other.state);
        }
    }

    /** Runs the search until it finds an answer or {@code System.nanoTime()} passes {@code deadline}. */
    Result run(long deadline) {
        long[] linearized = new long[(n + 63) >>> 6];
        long setHash = 0;
        Set<Configuration> cache = new HashSet<>();
        int[] stackCall = new int[n];
        @SuppressWarnings("unchecked")
        S[] stackState = (S[]) new Object[n];
        int depth = 0;
        S state = model.init();
        int entry = next[HEAD];
        long steps = 0;
        while (next[HEAD] != tail) {
            if (steps++ % CLOCK_INTERVAL == 0 && System.nanoTime() - deadline > 0) {
                return new OutOfTime(steps, cache.size(), Math.max(deepest, depth));
            }
            int op = opOf[entry];
            if (match[entry] >= 0) {
                Operation<I, O> operation = ops.get(op);
                Optional<S> after = model.step(state, operation.input(), operation.output());
                // An operation that never returned and would change nothing here can as well take effect
                // after everything else: trying it here only multiplies the configurations.
                if (after.isPresent() && !(neverReturned(op) && model.sameState(after.get(), state))) {
                    S newState = after.get();
                    linearized[op >>> 6] |= 1L << op;
                    Configuration probe = new Configuration(linearized, newState, setHash ^ zobrist[op]);
                    if (!cache.contains(probe)) {
                        cache.add(new Configuration(linearized.clone(), newState, setHash ^ zobrist[op]));
                        setHash ^= zobrist[op];
                        stackCall[depth] = entry;
                        stackState[depth] = state;
                        depth++;
                        state = newState;
                        lift(entry);
                        entry = next[HEAD];
                        continue;
                    }
                    linearized[op >>> 6] &= ~(1L << op);
                }
                entry = next[entry];
            } else if (neverReturned(op)) {
                // Every operation with a return time left the list before the first return without one:
                // what remains never returned, may take effect last in any order, and the model accepts an
                // unknown outcome in every state.
                return new Found(finish(stackCall, depth, state));
            } else {
                if (depth > deepest) {
                    recordDeadEnd(stackCall, depth, state, entry);
                }
                if (depth == 0) {
                    return new Refuted(deepestExplanationBody, deepestPrefix, deepestStuck);
                }
                depth--;
                entry = stackCall[depth];
                state = stackState[depth];
                stackState[depth] = null;
                int undone = opOf[entry];
                linearized[undone >>> 6] &= ~(1L << undone);
                setHash ^= zobrist[undone];
                unlift(entry);
                entry = next[entry];
            }
        }
        return new Found(finish(stackCall, depth, state));
    }

    private boolean neverReturned(int op) {
        return ops.get(op).returnTime() == Operation.NEVER;
    }

    /** The linearization: the stack, then what is left in the list, in list order. */
    private int[] finish(int[] stackCall, int depth, S state) {
        int[] order = new int[n];
        for (int i = 0; i < depth; i++) {
            order[i] = opOf[stackCall[i]];
        }
        int count = depth;
        for (int node = next[HEAD]; node != tail; node = next[node]) {
            if (match[node] < 0) {
                continue;
            }
            Operation<I, O> operation = ops.get(opOf[node]);
            state = model.step(state, operation.input(), operation.output()).orElseThrow(() ->
                    new IllegalStateException("the model rejects an operation with an unknown outcome, which it"
                            + " must accept in every state: " + operation));
            order[count++] = opOf[node];
        }
        return order;
    }

    /** Remembers the deepest point where an operation returned before it could be linearized. */
    private void recordDeadEnd(int[] stackCall, int depth, S state, int returnNode) {
        deepest = depth;
        deepestPrefix = new int[depth];
        for (int i = 0; i < depth; i++) {
            deepestPrefix[i] = opOf[stackCall[i]];
        }
        deepestStuck = opOf[returnNode];
        // The operations open at this point: calls still in the list before this return.
        List<String> open = new ArrayList<>();
        int openCount = 0;
        for (int node = next[HEAD]; node != returnNode; node = next[node]) {
            if (match[node] >= 0 && opOf[node] != deepestStuck) {
                openCount++;
                if (open.size() < MAX_LISTED) {
                    Operation<I, O> candidate = ops.get(opOf[node]);
                    boolean allowed = model.step(state, candidate.input(), candidate.output()).isPresent();
                    open.add(line(candidate) + (allowed ? "   (allowed here, into a configuration already explored)"
                            : "   (not allowed here)"));
                }
            }
        }
        StringBuilder text = new StringBuilder();
        text.append("The longest linearizable prefix found has ").append(depth).append(" operation(s)");
        if (depth == 0) {
            text.append(".\n");
        } else {
            text.append(depth > MAX_LISTED ? " (the last " + MAX_LISTED + " shown):\n" : ":\n");
            for (int i = Math.max(0, depth - MAX_LISTED); i < depth; i++) {
                text.append("  ").append(i + 1).append(". ").append(line(ops.get(deepestPrefix[i]))).append('\n');
            }
        }
        text.append("State after it: ").append(model.describeState(state)).append('\n');
        Operation<I, O> stuck = ops.get(deepestStuck);
        boolean stuckAllowed = model.step(state, stuck.input(), stuck.output()).isPresent();
        text.append("This operation returned before it could be placed, so it must take effect next, and ")
                .append(stuckAllowed ? "placing it leads only to configurations already explored, none of which"
                        + " completes" : "it is not allowed in that state")
                .append(":\n  ").append(line(stuck)).append('\n');
        if (openCount > 0) {
            text.append("Other operations open at that point (").append(openCount).append("):\n");
            for (String o : open) {
                text.append("  ").append(o).append('\n');
            }
            if (openCount > open.size()) {
                text.append("  … and ").append(openCount - open.size()).append(" more\n");
            }
        }
        deepestExplanationBody = text.toString();
    }

    private String line(Operation<I, O> op) {
        return "client " + op.clientId() + ": " + model.describe(op.input(), op.output()) + "   [called "
                + op.callTime() + ", returned "
                + (op.returnTime() == Operation.NEVER ? "never" : Long.toString(op.returnTime())) + "]";
    }
}
