package dev.leasehold.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Records a history as it happens, from many threads, on a logical clock.
 *
 * <p>A client calls {@link #invoke} just before it sends a request and {@link #returned} (or {@link #unknown},
 * or {@link #failed}) just after the answer arrives. Every call ticks one clock under one lock, so an operation
 * that returned before another was invoked gets an earlier return time than the other's call time, which is
 * all the checker needs of real time. Operations still open when the {@link #history} is taken count as having
 * an unknown outcome.
 *
 * @param <I> the type of operation inputs
 * @param <O> the type of operation outputs
 */
public final class HistoryRecorder<I, O> {

    /**
     * A handle on an operation that was invoked and has not been completed yet.
     *
     * @param id the operation's number in this recorder
     */
    public record Invocation(long id) {
    }

    private record Open<I>(int clientId, I input, long callTime) {
    }

    private long clock;
    private long nextId;
    private final Map<Long, Open<I>> open = new LinkedHashMap<>();
    private final List<Operation<I, O>> done = new ArrayList<>();

    /** Records that {@code clientId} is about to send {@code input}. */
    public synchronized Invocation invoke(int clientId, I input) {
        Objects.requireNonNull(input, "input");
        long id = nextId++;
        open.put(id, new Open<>(clientId, input, ++clock));
        return new Invocation(id);
    }

    /** Records that the operation returned {@code output}. */
    public synchronized void returned(Invocation invocation, O output) {
        Open<I> op = take(invocation);
        done.add(Operation.completed(op.clientId(), op.input(), output, op.callTime(), ++clock));
    }

    /**
     * Records that the client will never learn the outcome (a timeout, a broken connection): the operation may
     * take effect at any time after its call, or never.
     */
    public synchronized void unknown(Invocation invocation) {
        Open<I> op = take(invocation);
        done.add(Operation.unknown(op.clientId(), op.input(), op.callTime()));
    }

    /**
     * Records that the operation certainly had no effect (the request was refused before it could be applied),
     * so it is left out of the history.
     */
    public synchronized void failed(Invocation invocation) {
        take(invocation);
        ++clock;
    }

    /** The operations recorded so far, in the order they completed, followed by those still open as unknown. */
    public synchronized List<Operation<I, O>> history() {
        List<Operation<I, O>> history = new ArrayList<>(done);
        for (Open<I> op : open.values()) {
            history.add(Operation.unknown(op.clientId(), op.input(), op.callTime()));
        }
        return List.copyOf(history);
    }

    private Open<I> take(Invocation invocation) {
        Open<I> op = open.remove(invocation.id());
        if (op == null) {
            throw new IllegalStateException("operation " + invocation.id() + " is not open");
        }
        return op;
    }
}
