package dev.leasehold.raft;

import java.util.List;
import java.util.Optional;

/**
 * Everything a node needs its caller to do, in this order: persist {@code hardState}, {@code snapshot} and
 * {@code entries} durably; then send {@code messages}; then apply {@code committedEntries} (after installing
 * {@code snapshot}, if any) and serve {@code readStates} once applied; then call
 * {@link RaftNode#advance(Ready)}.
 *
 * @param role             the node's role now
 * @param leader           the leader the node knows of, or {@link RaftNode#NONE}
 * @param hardState        the hard state to persist, when it changed
 * @param snapshot         a snapshot received from the leader, to persist and install
 * @param entries          new log entries to append (replacing any stored entries from the first one's index on)
 * @param committedEntries entries that are committed and not yet handed out for applying
 * @param messages         messages to send once the above is durable
 * @param readStates       answered read-index requests
 * @param mustSync         whether the write must be synced before the messages go out: it holds entries, a
 *                         snapshot, or a new term or vote. A change of commit index alone need not be synced (a
 *                         commit index lost in a crash is learned again from the leader).
 */
public record Ready(Role role, long leader, Optional<HardState> hardState, Optional<Snapshot> snapshot,
                    List<Entry> entries, List<Entry> committedEntries, List<Message> messages,
                    List<ReadState> readStates, boolean mustSync) {

    /** A Ready that must be synced whenever it persists anything. */
    public Ready(Role role, long leader, Optional<HardState> hardState, Optional<Snapshot> snapshot,
                 List<Entry> entries, List<Entry> committedEntries, List<Message> messages,
                 List<ReadState> readStates) {
        this(role, leader, hardState, snapshot, entries, committedEntries, messages, readStates,
                hardState.isPresent() || snapshot.isPresent() || !entries.isEmpty());
    }

    public Ready {
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
        readStates = List.copyOf(readStates);
    }

    /** Whether anything must be written to disk before the messages go out. */
    public boolean mustPersist() {
        return hardState.isPresent() || snapshot.isPresent() || !entries.isEmpty();
    }
}
