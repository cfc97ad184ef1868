package dev.leasehold.store.fault;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The peers this node is cut off from by fault injection: the transport drops Raft messages to and from them and
 * the node forwards no client request to them, so that the node behaves as if a network partition separated it
 * from them. Empty unless a test isolates the node through the {@code Faults} service, which a node serves only
 * with {@code --fault-injection}.
 *
 * <p>Thread-safe: read on every message, so the set is an immutable value behind a volatile reference.
 */
public final class PeerIsolation {

    private volatile Set<Long> cut = Set.of();
    private final CopyOnWriteArrayList<Consumer<Set<Long>>> onIsolate = new CopyOnWriteArrayList<>();

    /** Whether traffic to and from {@code peer} is dropped. */
    public boolean cuts(long peer) {
        return cut.contains(peer);
    }

    /** The peers cut off now, in id order. */
    public Set<Long> peers() {
        return new TreeSet<>(cut);
    }

    /** Cuts this node off from exactly {@code peers} (replacing any earlier set). */
    public void isolate(Set<Long> peers) {
        Set<Long> now = Set.copyOf(peers);
        cut = now;
        onIsolate.forEach(listener -> listener.accept(now));
    }

    /** Restores traffic with every peer. */
    public void heal() {
        cut = Set.of();
    }

    /** Runs {@code listener} with the new set after every {@link #isolate}, to break connections already open. */
    public void onIsolate(Consumer<Set<Long>> listener) {
        onIsolate.add(listener);
    }
}
