package dev.leasehold.raft.sim;

import dev.leasehold.raft.ConfChange;
import dev.leasehold.raft.ConfChangeType;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.HardState;
import dev.leasehold.raft.MemoryStorage;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.Message;
import dev.leasehold.raft.ProposeResult;
import dev.leasehold.raft.RaftConfig;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.ReadOnlyOption;
import dev.leasehold.raft.ReadState;
import dev.leasehold.raft.Ready;
import dev.leasehold.raft.Role;
import dev.leasehold.raft.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One seeded run of a Raft cluster under faults. Everything random comes from the seed, so a run replays
 * exactly. Nodes are {@link RaftNode}s over {@link MemoryStorage} "disks"; the network delays, drops,
 * duplicates and reorders messages and can be partitioned; nodes crash (losing all they had not persisted) and
 * restart; clients propose, read, change membership and transfer leadership throughout. After every action the
 * safety invariants are checked; at the end the network heals, every node restarts, and every acknowledged
 * proposal must reach every member.
 */
public final class Simulation {

    /**
     * @param steps      fault-injecting steps
     * @param quietSteps the most steps allowed, after healing, for the cluster to converge
     */
    public record Options(int steps, int quietSteps) {
        public static Options defaults() {
            return new Options(2000, 4000);
        }
    }

    /** What a run did; {@code failure} is empty when it passed. */
    public record Result(long seed, String failure, int leaders, int acked, int crashes, int snapshotsInstalled,
                         int membershipChanges, int reads, long lastCommit) {
        public boolean passed() {
            return failure.isEmpty();
        }
    }

    private record InFlight(long at, long seq, Message message) {
    }

    private record Proposal(long id, long index, long term) {
    }

    private final class SimNode {
        final long id;
        final MemoryStorage disk = new MemoryStorage();
        RaftNode raft;
        SimStateMachine sm = new SimStateMachine();
        /** Persisted but not yet sent and applied: what a crash at this moment loses. */
        Ready persisted;
        /** The commit index of the last synced write: a crash may lose any written after it. */
        long syncedCommit;
        long commitSeen;
        final TreeMap<Long, Proposal> proposals = new TreeMap<>();
        final HashMap<Long, Long> reads = new HashMap<>();

        SimNode(long id) {
            this.id = id;
        }

        boolean alive() {
            return raft != null;
        }

        void start() {
            raft = new RaftNode(nodeConfig(id), disk);
            Snapshot s = disk.snapshot();
            sm = SimStateMachine.decode(s.data(), s.membership());
            commitSeen = raft.commitIndex();
        }

        void crash(boolean loseUnsynced) {
            if (loseUnsynced) {
                HardState hs = disk.hardState();
                disk.setHardState(new HardState(hs.term(), hs.vote(), syncedCommit));
            }
            raft = null;
            persisted = null;
            proposals.clear();
            reads.clear();
        }
    }

    private final long seed;
    private final Options options;
    private final Random rnd;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final int maxInflight;
    private final long maxMessageBytes;
    private final int tickEvery;
    private double dropRate;
    private double duplicateRate;
    private final int maxDelay;
    private final double eventRate;
    private final double readyRate;

    private long now;
    private long messageSeq;
    private final PriorityQueue<InFlight> network =
            new PriorityQueue<>(Comparator.comparingLong(InFlight::at).thenComparingLong(InFlight::seq));
    private final TreeMap<Long, Integer> partition = new TreeMap<>();
    private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
    private long nextNodeId;
    private long nextProposalId = 1;
    private long nextReadId = 1;

    // what the invariants remember
    private final TreeMap<Long, Long> leaderOfTerm = new TreeMap<>();
    /** index → term → {data hash, term of the previous entry}, for every entry any node ever persisted. */
    private final HashMap<Long, HashMap<Long, long[]>> persistedEntries = new HashMap<>();
    /** index → {term, state digest after applying it}, for every entry any node applied. */
    private final HashMap<Long, long[]> appliedAt = new HashMap<>();
    private long maxApplied;
    private final TreeMap<Long, Long> acked = new TreeMap<>();
    private long maxAckedIndex;
    private final ArrayDeque<String> recentEvents = new ArrayDeque<>();

    private int crashes;
    private int snapshotsInstalled;
    private int membershipChanges;
    private int readsAnswered;

    public Simulation(long seed, Options options) {
        this.seed = seed;
        this.options = options;
        this.rnd = new Random(seed);
        this.preVote = rnd.nextInt(5) != 0;
        this.checkQuorum = rnd.nextInt(5) != 0;
        this.maxInflight = 1 + rnd.nextInt(8);
        this.maxMessageBytes = rnd.nextBoolean() ? 1 : 64 + rnd.nextInt(512);
        this.tickEvery = 2 + rnd.nextInt(3);
        this.dropRate = rnd.nextDouble() * 0.2;
        this.duplicateRate = rnd.nextDouble() * 0.05;
        this.maxDelay = 1 + rnd.nextInt(8);
        this.eventRate = 0.1 + rnd.nextDouble() * 0.4;
        this.readyRate = 0.4 + rnd.nextDouble() * 0.5;
        int voters = rnd.nextBoolean() ? 3 : 5;
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= voters; id++) {
            ids.add(id);
        }
        nextNodeId = voters + 1;
        for (long id : ids) {
            SimNode n = new SimNode(id);
            n.disk.bootstrap(Membership.ofVoters(ids));
            n.syncedCommit = 1;
            n.start();
            nodes.put(id, n);
        }
    }

    private RaftConfig nodeConfig(long id) {
        return new RaftConfig(id, 10, 2, preVote, checkQuorum, ReadOnlyOption.SAFE, maxMessageBytes, maxInflight,
                1 << 20, 5, 30, rnd.nextLong());
    }

    /** Runs the simulation; never throws for a violated invariant but reports it in the result. */
    public Result run() {
        String failure = "";
        try {
            for (int i = 0; i < options.steps(); i++) {
                step(true);
            }
            quiesce();
        } catch (RuntimeException e) {
            failure = "seed " + seed + " failed at step " + now + ": " + e
                    + (e instanceof SimulationFailure ? "" : "\n  at " + e.getStackTrace()[0] + "\n  at "
                    + e.getStackTrace()[1] + "\n  at " + e.getStackTrace()[2])
                    + "\n  recent events: " + String.join("; ", recentEvents);
        }
        long lastCommit = nodes.values().stream().filter(SimNode::alive).mapToLong(n -> n.raft.commitIndex())
                .max().orElse(0);
        return new Result(seed, failure, leaderOfTerm.size(), acked.size(), crashes, snapshotsInstalled,
                membershipChanges, readsAnswered, lastCommit);
    }

    // ---------------------------------------------------------------- the loop

    private void step(boolean faults) {
        now++;
        deliverDue();
        if (now % tickEvery == 0) {
            for (SimNode n : List.copyOf(nodes.values())) {
                if (n.alive()) {
                    n.raft.tick();
                    observe(n);
                }
            }
        }
        for (SimNode n : List.copyOf(nodes.values())) {
            if (n.alive() && rnd.nextDouble() < readyRate) {
                processReady(n);
            }
        }
        if (faults && rnd.nextDouble() < eventRate) {
            randomEvent();
        }
    }

    private void quiesce() {
        partition.clear();
        dropRate = 0;
        duplicateRate = 0;
        for (SimNode n : nodes.values()) {
            if (!n.alive()) {
                n.start();
            }
        }
        event("quiet: healed, restarted all");
        for (int i = 0; i < options.quietSteps(); i++) {
            step(false);
            if (i % 25 == 0 && converged()) {
                return;
            }
        }
        throw new SimulationFailure("no convergence within " + options.quietSteps() + " quiet steps: "
                + nodes.values().stream().map(n -> n.raft + " applied=" + n.sm.appliedIndex)
                .collect(Collectors.joining(", ")) + "; acked up to " + maxAckedIndex);
    }

    /** A leader whose whole membership applied everything it committed, including every acknowledged proposal. */
    private boolean converged() {
        SimNode leader = currentLeader();
        if (leader == null) {
            return false;
        }
        long commit = leader.raft.commitIndex();
        if (commit < maxAckedIndex) {
            return false;
        }
        for (long member : leader.raft.membership().members()) {
            SimNode n = nodes.get(member);
            if (n == null || !n.alive() || n.sm.appliedIndex < commit) {
                return false;
            }
        }
        for (long member : leader.raft.membership().members()) {
            SimNode n = nodes.get(member);
            for (Map.Entry<Long, Long> a : acked.entrySet()) {
                if (!n.sm.proposalIds.contains(a.getKey())) {
                    throw new SimulationFailure("acknowledged proposal " + a.getKey() + " at index " + a.getValue()
                            + " is missing on node " + member + " which applied up to " + n.sm.appliedIndex);
                }
            }
        }
        return true;
    }

    private SimNode currentLeader() {
        SimNode best = null;
        for (SimNode n : nodes.values()) {
            if (n.alive() && n.raft.role() == Role.LEADER && (best == null || n.raft.term() > best.raft.term())) {
                best = n;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- network

    private void send(Message m) {
        if (rnd.nextDouble() < dropRate) {
            return;
        }
        int copies = rnd.nextDouble() < duplicateRate ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            network.add(new InFlight(now + 1 + rnd.nextInt(maxDelay), messageSeq++, m));
        }
    }

    private void deliverDue() {
        while (!network.isEmpty() && network.peek().at() <= now) {
            Message m = network.poll().message();
            if (!partition.isEmpty() && !partition.get(m.from()).equals(partition.get(m.to()))) {
                continue;
            }
            SimNode to = nodes.get(m.to());
            if (to != null && to.alive()) {
                to.raft.step(m);
                observe(to);
            }
        }
    }

    // ---------------------------------------------------------------- a node's Ready loop

    private void processReady(SimNode n) {
        if (n.persisted == null) {
            if (!n.raft.hasReady()) {
                return;
            }
            Ready ready = n.raft.ready();
            persist(n, ready);
            n.persisted = ready;
            if (rnd.nextDouble() < 0.3) {
                return; // sending and applying come later: a crash in between loses them
            }
        }
        Ready ready = n.persisted;
        n.persisted = null;
        ready.messages().forEach(this::send);
        ready.snapshot().ifPresent(s -> installSnapshot(n, s));
        for (Entry e : ready.committedEntries()) {
            apply(n, e);
        }
        for (ReadState rs : ready.readStates()) {
            Long mustSee = n.reads.remove(rs.requestId());
            if (mustSee != null) {
                readsAnswered++;
                if (rs.index() < mustSee) {
                    throw new SimulationFailure("stale read on node " + n.id + ": read index " + rs.index()
                            + " but index " + mustSee + " was acknowledged before the read began");
                }
            }
        }
        n.raft.advance(ready);
        observe(n);
    }

    private void persist(SimNode n, Ready ready) {
        HardState before = n.disk.hardState();
        ready.hardState().ifPresent(hs -> {
            if (hs.term() < before.term() || hs.commit() < before.commit()) {
                throw new SimulationFailure("node " + n.id + " persisted " + hs + " after " + before);
            }
        });
        n.disk.persist(ready);
        if (ready.mustSync()) {
            n.syncedCommit = n.disk.hardState().commit();
        }
        for (Entry e : ready.entries()) {
            long prevTerm = e.index() - 1 >= n.disk.snapshot().index() ? n.disk.term(e.index() - 1) : -1;
            long[] fingerprint = {Arrays.hashCode(e.data()) * 3L + e.type().ordinal(), prevTerm};
            long[] seen = persistedEntries.computeIfAbsent(e.index(), i -> new HashMap<>())
                    .putIfAbsent(e.term(), fingerprint);
            if (seen != null && (seen[0] != fingerprint[0] || (seen[1] != prevTerm && seen[1] >= 0 && prevTerm >= 0))) {
                throw new SimulationFailure("log matching: node " + n.id + " holds entry " + e.index() + "@"
                        + e.term() + " with a different payload or predecessor than another node");
            }
        }
    }

    private void installSnapshot(SimNode n, Snapshot s) {
        n.sm = SimStateMachine.decode(s.data(), s.membership());
        snapshotsInstalled++;
        long[] known = appliedAt.get(s.index());
        if (known != null && (known[0] != s.term() || known[1] != n.sm.digest)) {
            throw new SimulationFailure("snapshot at " + s.index() + " installed on node " + n.id
                    + " differs from the state other nodes applied");
        }
        n.proposals.headMap(s.index(), true).clear();
    }

    private void apply(SimNode n, Entry e) {
        n.sm.apply(e);
        long[] known = appliedAt.putIfAbsent(e.index(), new long[] {e.term(), n.sm.digest});
        if (known == null) {
            maxApplied = Math.max(maxApplied, e.index());
            if (e.type() == EntryType.CONFIG) {
                membershipChanges++;
                event("committed " + Membership.decode(e.data()) + " at " + e.index());
            }
        } else if (known[0] != e.term() || known[1] != n.sm.digest) {
            throw new SimulationFailure("state machine safety: node " + n.id + " applied " + e
                    + " but another node applied term " + known[0] + " there, or reached another state");
        }
        Proposal p = n.proposals.remove(e.index());
        if (p != null && p.term() == e.term()) {
            if (!Arrays.equals(e.data(), SimStateMachine.proposal(p.id()))) {
                throw new SimulationFailure("node " + n.id + " applied " + e + " where its own proposal "
                        + p.id() + " was appended in the same term");
            }
            acked.put(p.id(), p.index());
            maxAckedIndex = Math.max(maxAckedIndex, p.index());
        }
    }

    // ---------------------------------------------------------------- invariants checked after every action

    private void observe(SimNode n) {
        RaftNode r = n.raft;
        if (r.commitIndex() < n.commitSeen) {
            throw new SimulationFailure("commit index of node " + n.id + " went back from " + n.commitSeen + " to "
                    + r.commitIndex());
        }
        n.commitSeen = r.commitIndex();
        if (r.role() == Role.LEADER) {
            Long previous = leaderOfTerm.putIfAbsent(r.term(), n.id);
            if (previous != null && previous != n.id) {
                throw new SimulationFailure("election safety: nodes " + previous + " and " + n.id
                        + " both lead term " + r.term());
            }
            if (previous == null) {
                event(n.id + " leads term " + r.term());
                checkLeaderCompleteness(n);
            }
        }
    }

    /** A new leader's log holds every entry any node has applied. */
    private void checkLeaderCompleteness(SimNode n) {
        for (long i = maxApplied; i >= n.raft.firstIndex(); i--) {
            OptionalLong t = n.raft.termAt(i);
            long expected = appliedAt.get(i)[0];
            if (t.isEmpty() || t.getAsLong() != expected) {
                throw new SimulationFailure("leader completeness: new leader " + n.id + " of term " + n.raft.term()
                        + " lacks committed entry " + i + "@" + expected);
            }
        }
    }

    // ---------------------------------------------------------------- faults and client actions

    private void randomEvent() {
        int roll = rnd.nextInt(100);
        if (roll < 30) {
            propose();
        } else if (roll < 38) {
            read();
        } else if (roll < 41) {
            crash(currentLeader());
        } else if (roll < 44) {
            crash(randomAlive());
        } else if (roll < 51) {
            restart();
        } else if (roll < 55) {
            isolate(currentLeader());
        } else if (roll < 58) {
            partition();
        } else if (roll < 63) {
            partition.clear();
            event("heal");
        } else if (roll < 67) {
            addLearner();
        } else if (roll < 72) {
            changeMember(ConfChangeType.PROMOTE);
        } else if (roll < 75) {
            changeMember(ConfChangeType.REMOVE);
        } else if (roll < 80) {
            transfer();
        } else if (roll < 87) {
            compact();
        }
        // otherwise: nothing happens this step
    }

    private SimNode randomAlive() {
        List<SimNode> alive = nodes.values().stream().filter(SimNode::alive).toList();
        return alive.isEmpty() ? null : alive.get(rnd.nextInt(alive.size()));
    }

    private void propose() {
        SimNode n = rnd.nextInt(5) == 0 ? randomAlive() : currentLeader();
        if (n == null) {
            return;
        }
        int burst = 1 + rnd.nextInt(5);
        for (int i = 0; i < burst; i++) {
            long id = nextProposalId++;
            if (n.raft.propose(SimStateMachine.proposal(id)) instanceof ProposeResult.Accepted a) {
                n.proposals.put(a.index(), new Proposal(id, a.index(), a.term()));
            }
        }
    }

    private void read() {
        SimNode n = randomAlive();
        if (n == null) {
            return;
        }
        long id = nextReadId++;
        if (n.raft.readIndex(id)) {
            n.reads.put(id, maxAckedIndex);
        }
    }

    private void crash(SimNode n) {
        if (n != null) {
            n.crash(rnd.nextBoolean());
            crashes++;
            event("crash " + n.id);
        }
    }

    private void restart() {
        List<SimNode> down = nodes.values().stream().filter(n -> !n.alive()).toList();
        if (!down.isEmpty()) {
            SimNode n = down.get(rnd.nextInt(down.size()));
            n.start();
            event("restart " + n.id);
            observe(n);
        }
    }

    /** Splits the nodes in two groups at random. */
    private void partition() {
        partition.clear();
        for (long id : nodes.keySet()) {
            partition.put(id, rnd.nextInt(2));
        }
        event("partition " + partition);
    }

    /** Cuts one node off from all others. */
    private void isolate(SimNode n) {
        if (n == null) {
            return;
        }
        partition.clear();
        for (long id : nodes.keySet()) {
            partition.put(id, id == n.id ? 1 : 0);
        }
        event("isolate " + n.id);
    }

    private void addLearner() {
        SimNode leader = currentLeader();
        if (leader == null || leader.raft.membership().members().size() >= 7) {
            return;
        }
        long id = nextNodeId++;
        if (leader.raft.proposeConfChange(new ConfChange(ConfChangeType.ADD_LEARNER, id))
                instanceof ProposeResult.Accepted) {
            SimNode n = new SimNode(id);
            n.start();
            nodes.put(id, n);
            if (!partition.isEmpty()) {
                partition.put(id, 0);
            }
            event("propose add learner " + id);
        }
    }

    private void changeMember(ConfChangeType type) {
        SimNode leader = currentLeader();
        if (leader == null) {
            return;
        }
        Membership m = leader.raft.membership();
        List<Long> candidates = new ArrayList<>(type == ConfChangeType.PROMOTE ? m.learners() : m.members());
        if (type == ConfChangeType.REMOVE && m.voters().size() <= 2) {
            candidates.removeAll(m.voters());
        }
        if (candidates.isEmpty()) {
            return;
        }
        long id = candidates.get(rnd.nextInt(candidates.size()));
        ProposeResult r = leader.raft.proposeConfChange(new ConfChange(type, id));
        event("propose " + type + " " + id + ": " + (r instanceof ProposeResult.Accepted ? "accepted" : r));
    }

    private void transfer() {
        SimNode leader = currentLeader();
        if (leader == null) {
            return;
        }
        List<Long> voters = new ArrayList<>(leader.raft.membership().voters());
        voters.remove(leader.id);
        if (!voters.isEmpty()) {
            long target = voters.get(rnd.nextInt(voters.size()));
            leader.raft.transferLeadership(target);
            event("transfer " + leader.id + " -> " + target);
        }
    }

    private void compact() {
        SimNode n = randomAlive();
        if (n != null && n.sm.appliedIndex > n.disk.snapshot().index()) {
            n.disk.compact(n.sm.appliedIndex, n.sm.membership, n.sm.encode());
        }
    }

    private void event(String what) {
        recentEvents.addLast("t" + now + " " + what);
        if (recentEvents.size() > 25) {
            recentEvents.removeFirst();
        }
    }
}
