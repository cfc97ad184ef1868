package dev.leasehold.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * A cluster of {@link RaftNode}s on a simulated network and disk, in the spirit of etcd's {@code network} in
 * raft_test.go. Every node has its own {@link MemoryStorage} (its disk, which survives a crash) and a tiny state
 * machine: the list of commands it applied. The network is a queue of messages that the test delivers when it
 * chooses, losing those on cut links or matching a drop filter, and delaying those matching a hold filter.
 *
 * <p>Handling a node's {@link Ready} follows the contract: persist, send (queue), apply, advance. While applying,
 * the cluster checks State Machine Safety across all nodes: no two nodes ever apply different entries at one index.
 *
 * <p>Nothing happens unless a test asks: {@link #tick(long, int)} and {@link #tickAll(int)} let time pass (and
 * deliver everything after each tick); {@link #deliverAll()} runs the network until it is quiet.
 */
final class TestCluster {

    /** How many rounds of Ready handling and delivery {@link #deliverAll()} allows before calling it a livelock. */
    private static final int MAX_ROUNDS = 10_000;

    private final UnaryOperator<RaftConfig> configure;
    private final SortedMap<Long, MemoryStorage> disks = new TreeMap<>();
    private final SortedMap<Long, RaftNode> running = new TreeMap<>();
    private final SortedMap<Long, StateMachine> stateMachines = new TreeMap<>();
    private final SortedMap<Long, List<ReadState>> readStates = new TreeMap<>();
    private final SortedMap<Long, List<Snapshot>> installedSnapshots = new TreeMap<>();
    /** Every entry any node applied, by index: the witness for State Machine Safety. */
    private final Map<Long, Entry> appliedAnywhere = new TreeMap<>();

    private final List<Message> network = new ArrayList<>();
    private final List<Message> held = new ArrayList<>();
    private final List<Message> sent = new ArrayList<>();
    private final Set<List<Long>> cutLinks = new HashSet<>();
    private final Set<Long> isolated = new HashSet<>();
    private final List<Predicate<Message>> dropFilters = new ArrayList<>();
    private final List<Predicate<Message>> holdFilters = new ArrayList<>();

    private TestCluster(UnaryOperator<RaftConfig> configure, SortedMap<Long, MemoryStorage> disks) {
        this.configure = configure;
        disks.forEach((id, disk) -> {
            this.disks.put(id, disk);
            start(id);
        });
    }

    /** A new cluster of the given voters with the default configuration. */
    static TestCluster ofVoters(long... ids) {
        return ofVoters(UnaryOperator.identity(), ids);
    }

    /** A new cluster of the given voters; {@code configure} adjusts each node's default configuration. */
    static TestCluster ofVoters(UnaryOperator<RaftConfig> configure, long... ids) {
        Membership voters = Membership.ofVoters(LongStream.of(ids).boxed().toList());
        SortedMap<Long, MemoryStorage> disks = new TreeMap<>();
        for (long id : ids) {
            MemoryStorage disk = new MemoryStorage();
            disk.bootstrap(voters);
            disks.put(id, disk);
        }
        return new TestCluster(configure, disks);
    }

    /** A cluster whose nodes start from storages the test prepared, e.g. with {@link #diskWithLog}. */
    static TestCluster fromDisks(UnaryOperator<RaftConfig> configure, Map<Long, MemoryStorage> disks) {
        return new TestCluster(configure, new TreeMap<>(disks));
    }

    /**
     * A bootstrapped disk whose log continues after the initial CONFIG entry (index 1, term 1) with one command
     * entry per given term, at indexes 2, 3, …, and whose hard state is at {@code currentTerm}, with no vote and
     * only the CONFIG entry committed.
     */
    static MemoryStorage diskWithLog(Membership membership, long currentTerm, long... termsFromIndex2) {
        MemoryStorage disk = new MemoryStorage();
        disk.bootstrap(membership);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < termsFromIndex2.length; i++) {
            long index = i + 2;
            long term = termsFromIndex2[i];
            entries.add(Entry.normal(term, index, bytes("t" + term + "i" + index)));
        }
        disk.append(entries);
        disk.setHardState(new HardState(currentTerm, RaftNode.NONE, 1));
        return disk;
    }

    static byte[] bytes(String command) {
        return command.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- nodes

    RaftNode node(long id) {
        RaftNode node = running.get(id);
        if (node == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        return node;
    }

    boolean isRunning(long id) {
        return running.containsKey(id);
    }

    MemoryStorage disk(long id) {
        return disks.get(id);
    }

    RaftConfig config(long id) {
        return configure.apply(RaftConfig.defaults(id));
    }

    /** Starts a node that was never part of the cluster, with an empty disk: it waits to be added. */
    void addNode(long id) {
        if (disks.containsKey(id)) {
            throw new IllegalStateException("node " + id + " already exists");
        }
        disks.put(id, new MemoryStorage());
        start(id);
    }

    /** Stops a node: everything it did not persist is lost, its disk survives. */
    void crash(long id) {
        node(id);
        running.remove(id);
    }

    /** Starts a crashed node again from its disk; its state machine is rebuilt from the disk's snapshot. */
    void restart(long id) {
        if (running.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        start(id);
    }

    private void start(long id) {
        MemoryStorage disk = disks.get(id);
        StateMachine machine = new StateMachine();
        machine.restore(disk.snapshot());
        stateMachines.put(id, machine);
        readStates.computeIfAbsent(id, k -> new ArrayList<>());
        installedSnapshots.computeIfAbsent(id, k -> new ArrayList<>());
        running.put(id, new RaftNode(config(id), disk));
    }

    /** The leader of the highest term among running nodes, if any. */
    long leader() {
        return running.values().stream()
                .filter(n -> n.role() == Role.LEADER)
                .max((a, b) -> Long.compare(a.term(), b.term()))
                .map(RaftNode::id)
                .orElse(RaftNode.NONE);
    }

    // ---------------------------------------------------------------- time

    /** Lets {@code n} ticks pass on node {@code id} alone, delivering messages after each. */
    void tick(long id, int n) {
        for (int i = 0; i < n; i++) {
            node(id).tick();
            deliverAll();
        }
    }

    /** Lets {@code n} ticks pass on every running node, delivering messages after each. */
    void tickAll(int n) {
        for (int i = 0; i < n; i++) {
            running.values().forEach(RaftNode::tick);
            deliverAll();
        }
    }

    /**
     * Ticks node {@code id} alone until its election timeout fires and it starts an election (pre-vote or vote),
     * then delivers messages until the network is quiet.
     */
    void campaign(long id) {
        RaftNode node = node(id);
        int limit = 2 * config(id).electionTicks();
        for (int i = 0; i < limit && node.role() == Role.FOLLOWER; i++) {
            node.tick();
        }
        if (node.role() == Role.FOLLOWER) {
            throw new IllegalStateException("node " + id + " did not start an election within " + limit + " ticks");
        }
        deliverAll();
    }

    /**
     * Makes node {@code id} campaign until it leads (a first attempt may only teach it the current term), and
     * lets it commit the empty entry of its term.
     */
    void elect(long id) {
        for (int attempt = 0; attempt < 3 && node(id).role() != Role.LEADER; attempt++) {
            campaign(id);
        }
        if (node(id).role() != Role.LEADER) {
            throw new IllegalStateException("node " + id + " could not be elected: " + node(id));
        }
    }

    /** Ticks every running node until a leader of a term higher than any current term emerges; returns it. */
    long tickUntilNewLeader() {
        long termBefore = running.values().stream().mapToLong(RaftNode::term).max().orElse(0);
        int limit = 10 * running.values().stream().mapToInt(n -> config(n.id()).electionTicks()).max().orElse(10);
        for (int i = 0; i < limit; i++) {
            tickAll(1);
            long leader = leader();
            if (leader != RaftNode.NONE && node(leader).term() > termBefore) {
                return leader;
            }
        }
        throw new IllegalStateException("no new leader after " + limit + " ticks: " + running.values());
    }

    /** Ticks every running node until one of {@code candidates} leads (at once if one already does); returns it. */
    long tickUntilLeaderAmong(long... candidates) {
        int limit = 10 * running.values().stream().mapToInt(n -> config(n.id()).electionTicks()).max().orElse(10);
        for (int i = 0; ; i++) {
            long leader = leader();
            if (LongStream.of(candidates).anyMatch(c -> c == leader)) {
                return leader;
            }
            if (i == limit) {
                throw new IllegalStateException("none of " + Arrays.toString(candidates) + " leads after " + limit
                        + " ticks:\n" + this);
            }
            tickAll(1);
        }
    }

    // ---------------------------------------------------------------- requests

    ProposeResult propose(long id, String command) {
        return node(id).propose(bytes(command));
    }

    ProposeResult changeMembership(long id, ConfChangeType type, long nodeId) {
        return node(id).proposeConfChange(new ConfChange(type, nodeId));
    }

    /**
     * Replaces node {@code id}'s log up to what it applied by a snapshot of its state machine. Call it when the
     * node has applied everything it committed (e.g. after {@link #deliverAll()}), so that its committed
     * membership is the one as of the snapshot.
     */
    Snapshot compact(long id) {
        StateMachine machine = stateMachines.get(id);
        return disk(id).compact(machine.appliedIndex, node(id).membership(), machine.encode());
    }

    // ---------------------------------------------------------------- network

    /** Cuts the link between {@code a} and {@code b} in both directions. */
    void cut(long a, long b) {
        cutLinks.add(List.of(a, b));
        cutLinks.add(List.of(b, a));
    }

    /** Cuts every link of node {@code id}, including to nodes added later. */
    void isolate(long id) {
        isolated.add(id);
    }

    /** Loses every message sent from now on that matches {@code filter}. */
    void drop(Predicate<Message> filter) {
        dropFilters.add(filter);
    }

    /** Delays every message sent from now on that matches {@code filter} until {@link #releaseHeld()}. */
    void hold(Predicate<Message> filter) {
        holdFilters.add(filter);
    }

    /** Stops holding messages and puts the ones held back on the network, in the order they were sent. */
    void releaseHeld() {
        holdFilters.clear();
        network.addAll(held);
        held.clear();
    }

    /** Restores every link and removes every filter; held messages are released. */
    void heal() {
        cutLinks.clear();
        isolated.clear();
        dropFilters.clear();
        releaseHeld();
    }

    /** Runs the cluster until no node has a Ready and no message is in flight (held messages stay held). */
    void deliverAll() {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean busy = processReadies();
            busy |= deliverQueued();
            if (!busy) {
                return;
            }
        }
        throw new IllegalStateException("the cluster did not quiesce within " + MAX_ROUNDS + " rounds");
    }

    /**
     * Every running node handles its Readies: persist, send (onto the network, not delivered), apply, advance.
     * Returns whether any node had a Ready.
     */
    boolean processReadies() {
        boolean any = false;
        for (RaftNode node : List.copyOf(running.values())) {
            while (running.containsKey(node.id()) && node.hasReady()) {
                any = true;
                handle(node, node.ready());
            }
        }
        return any;
    }

    /** Delivers the messages now on the network to their running receivers; their Readies are left unhandled. */
    boolean deliverQueued() {
        if (network.isEmpty()) {
            return false;
        }
        List<Message> batch = List.copyOf(network);
        network.clear();
        for (Message m : batch) {
            RaftNode receiver = running.get(m.to());
            if (receiver != null) {
                receiver.step(m);
            }
        }
        return true;
    }

    private void handle(RaftNode node, Ready ready) {
        long id = node.id();
        disk(id).persist(ready);
        ready.messages().forEach(this::send);
        StateMachine machine = stateMachines.get(id);
        ready.snapshot().ifPresent(s -> {
            machine.restore(s);
            installedSnapshots.get(id).add(s);
        });
        for (Entry e : ready.committedEntries()) {
            Entry before = appliedAnywhere.putIfAbsent(e.index(), e);
            if (before != null && !before.equals(e)) {
                throw new AssertionError("State Machine Safety violated: node " + id + " applies " + e
                        + " at index " + e.index() + " where " + before + " was applied before");
            }
            machine.apply(e);
        }
        readStates.get(id).addAll(ready.readStates());
        node.advance(ready);
    }

    private void send(Message m) {
        sent.add(m);
        boolean linkCut = cutLinks.contains(List.of(m.from(), m.to())) || isolated.contains(m.from())
                || isolated.contains(m.to());
        if (linkCut || dropFilters.stream().anyMatch(f -> f.test(m))) {
            return;
        }
        if (holdFilters.stream().anyMatch(f -> f.test(m))) {
            held.add(m);
        } else {
            network.add(m);
        }
    }

    /** Every message nodes sent (whatever became of it) since the start or {@link #clearSent()}. */
    List<Message> sent() {
        return List.copyOf(sent);
    }

    <M extends Message> List<M> sent(Class<M> type) {
        return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }

    void clearSent() {
        sent.clear();
    }

    static Predicate<Message> from(long id) {
        return m -> m.from() == id;
    }

    static Predicate<Message> to(long id) {
        return m -> m.to() == id;
    }

    static Predicate<Message> ofType(Class<? extends Message> type) {
        return type::isInstance;
    }

    // ---------------------------------------------------------------- observations

    /** The commands node {@code id}'s state machine holds (empty leader entries and CONFIG entries excluded). */
    List<String> applied(long id) {
        return List.copyOf(stateMachines.get(id).commands);
    }

    long appliedIndex(long id) {
        return stateMachines.get(id).appliedIndex;
    }

    List<ReadState> readStates(long id) {
        return List.copyOf(readStates.get(id));
    }

    List<Snapshot> installedSnapshots(long id) {
        return List.copyOf(installedSnapshots.get(id));
    }

    /** The terms of node {@code id}'s log, from its first index on (durable or not). */
    List<Long> logTerms(long id) {
        RaftNode node = node(id);
        return LongStream.rangeClosed(node.firstIndex(), node.lastIndex())
                .mapToObj(i -> node.termAt(i).orElseThrow()).toList();
    }

    /** The leader's replication state of follower {@code follower}. */
    RaftStatus.FollowerStatus progressOf(long leader, long follower) {
        RaftStatus.FollowerStatus status = node(leader).status().followers().get(follower);
        if (status == null) {
            throw new IllegalStateException(leader + " tracks no progress of " + follower + ": " + node(leader));
        }
        return status;
    }

    @Override
    public String toString() {
        return running.values().stream().map(RaftNode::toString).collect(Collectors.joining("\n"));
    }

    /** The commands a node applied, in order; its snapshot is the commands joined by newlines. */
    private static final class StateMachine {
        final List<String> commands = new ArrayList<>();
        long appliedIndex;

        void restore(Snapshot snapshot) {
            commands.clear();
            String image = new String(snapshot.data(), StandardCharsets.UTF_8);
            if (!image.isEmpty()) {
                commands.addAll(Arrays.asList(image.split("\n")));
            }
            appliedIndex = snapshot.index();
        }

        void apply(Entry e) {
            if (e.index() != appliedIndex + 1) {
                throw new AssertionError("applying " + e + " after index " + appliedIndex);
            }
            if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                commands.add(new String(e.data(), StandardCharsets.UTF_8));
            }
            appliedIndex = e.index();
        }

        byte[] encode() {
            return bytes(String.join("\n", commands));
        }
    }
}
