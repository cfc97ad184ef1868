package dev.leasehold.raft;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.AppendResponse;
import dev.leasehold.raft.Message.Heartbeat;
import dev.leasehold.raft.Message.HeartbeatResponse;
import dev.leasehold.raft.Message.InstallSnapshot;
import dev.leasehold.raft.Message.ReadIndexRequest;
import dev.leasehold.raft.Message.ReadIndexResponse;
import dev.leasehold.raft.Message.RequestVote;
import dev.leasehold.raft.Message.TimeoutNow;
import dev.leasehold.raft.Message.VoteResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;

/**
 * One Raft node as a pure, deterministic state machine, in the manner of etcd's raft package: no threads,
 * clocks or I/O. The caller drives it with {@link #tick()}, {@link #step(Message)}, {@link #propose(byte[])} and
 * the other requests, collects what to do with {@link #ready()}, does it, and calls {@link #advance(Ready)}.
 * Between {@code ready()} and {@code advance()} the node may be stepped and ticked, but {@code ready()} may not
 * be called again.
 *
 * <p>Implements leader election with randomized timeouts, pre-vote and check-quorum; pipelined, batched log
 * replication with a bounded in-flight window and fast back-off; snapshots; single-server membership changes
 * with learners (a change takes effect when its entry commits, one at a time, and only after the leader committed
 * an entry of its own term); leadership transfer; and read-index reads. Not thread-safe.
 */
public final class RaftNode {

    /** Stands for "no node" as a vote or leader. */
    public static final long NONE = 0;

    private final RaftConfig config;
    private final long id;
    private final RaftLog log;
    private final Random random;

    private long term;
    private long vote;
    private long leader = NONE;
    private Role role = Role.FOLLOWER;
    private Membership membership;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    /** On a leader: every member's progress, this node's included. */
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    /** On a (pre-)candidate: the answers so far. */
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();
    private long leadTransferee = NONE;
    private long pendingConfIndex;
    private boolean broadcastPending;

    /** Read-index requests confirmed by a heartbeat round numbered {@code round}, oldest first. */
    private record PendingRead(long origin, long requestId, long index, long round) {
    }

    private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
    private final List<PendingRead> readsAwaitingTermCommit = new ArrayList<>();
    private long readRound;
    private boolean readRoundPending;
    /** Ticks since this node started, and the tick at which each unconfirmed heartbeat round was sent. */
    private long ticks;
    private final TreeMap<Long, Long> roundSentAt = new TreeMap<>();
    private final TreeMap<Long, Long> readRoundAcked = new TreeMap<>();

    private List<Message> outbox = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private HardState prevHardState;
    private Ready inFlight;

    /**
     * Restores a node from its storage. A node whose storage is empty knows no members and waits until a leader
     * adds it; the first members of a cluster each start from {@link MemoryStorage#bootstrap(Membership)} (or the
     * durable equivalent).
     *
     * @throws IllegalStateException when the storage is inconsistent (a commit index beyond the stored log)
     */
    public RaftNode(RaftConfig config, RaftStorage storage) {
        this.config = config;
        this.id = config.id();
        this.log = new RaftLog(storage);
        this.random = new Random(config.randomSeed());
        HardState hs = storage.hardState();
        log.initCommitted(hs.commit());
        this.term = hs.term();
        this.vote = hs.vote();
        this.prevHardState = hs;
        this.membership = storage.snapshot().membership();
        applyCommittedConfigs(storage.snapshot().index(), log.committed());
        becomeFollower(term, NONE);
    }

    // ---------------------------------------------------------------- requests from the caller

    /** Advances the logical clock by one tick. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    /**
     * Appends {@code data} to the log if this node leads. The returned index and term identify the entry: the
     * proposal succeeded only if that index is later applied with that term.
     */
    public ProposeResult propose(byte[] data) {
        Optional<ProposeResult> refusal = refuseProposal();
        if (refusal.isPresent()) {
            return refusal.get();
        }
        return appendOwn(EntryType.NORMAL, data.clone());
    }

    /**
     * Proposes a single-server membership change. Refused unless this node leads, has committed an entry of its
     * term, and no other change is pending; a learner is promoted only once it has caught up.
     */
    public ProposeResult proposeConfChange(ConfChange change) {
        Optional<ProposeResult> refusal = refuseProposal();
        if (refusal.isPresent()) {
            return refusal.get();
        }
        if (!committedInCurrentTerm()) {
            return new ProposeResult.Rejected("the leader has not yet committed an entry of its term", leader);
        }
        if (pendingConfIndex > log.committed()) {
            return new ProposeResult.Rejected(
                    "a membership change is pending at index " + pendingConfIndex, leader);
        }
        Membership next;
        try {
            next = membership.apply(change);
        } catch (IllegalArgumentException e) {
            return new ProposeResult.Rejected(e.getMessage(), leader);
        }
        if (change.type() == ConfChangeType.PROMOTE) {
            Progress pr = progress.get(change.nodeId());
            if (pr.match + config.promotionLagEntries() < log.committed()) {
                return new ProposeResult.Rejected("learner " + change.nodeId() + " has not caught up: it holds "
                        + pr.match + " of " + log.committed() + " committed entries", leader);
            }
        }
        ProposeResult result = appendOwn(EntryType.CONFIG, next.encode());
        pendingConfIndex = log.lastIndex();
        return result;
    }

    /**
     * Hands leadership to {@code target}: once its log is complete it is told to start an election at once.
     * Proposals are refused until the transfer ends; it is abandoned after an election timeout. Returns false
     * when this node does not lead or {@code target} is not another voter.
     */
    public boolean transferLeadership(long target) {
        if (role != Role.LEADER || target == id || !membership.isVoter(target)) {
            return false;
        }
        leadTransferee = target;
        electionElapsed = 0;
        Progress pr = progress.get(target);
        if (pr.match == log.lastIndex()) {
            send(new TimeoutNow(id, target, term));
        } else {
            sendAppend(target, true);
        }
        return true;
    }

    /**
     * Asks for a read index: a {@link ReadState} with {@code requestId} will appear in a later {@link Ready}. A
     * follower forwards the request to its leader. Requests are lost with a change of leader, so callers retry
     * after a timeout. Returns false when no leader is known.
     */
    public boolean readIndex(long requestId) {
        if (role == Role.LEADER) {
            handleReadIndex(id, requestId);
            return true;
        }
        if (leader == NONE) {
            return false;
        }
        send(new ReadIndexRequest(id, leader, term, requestId));
        return true;
    }

    /** The transport could not deliver to {@code to}: stop pipelining to it and probe. */
    public void reportUnreachable(long to) {
        Progress pr = role == Role.LEADER ? progress.get(to) : null;
        if (pr != null && pr.state == ProgressState.REPLICATE) {
            pr.becomeProbe();
        }
    }

    /** The transport finished (or failed) sending a snapshot to {@code to}. */
    public void reportSnapshot(long to, boolean success) {
        Progress pr = role == Role.LEADER ? progress.get(to) : null;
        if (pr != null && pr.state == ProgressState.SNAPSHOT) {
            if (!success) {
                pr.pendingSnapshot = 0;
            }
            pr.becomeProbe();
            pr.probeSent = true;
        }
    }

    // ---------------------------------------------------------------- Ready / advance

    /** Whether {@link #ready()} has anything to hand out. */
    public boolean hasReady() {
        if (inFlight != null) {
            return false;
        }
        flushBroadcasts();
        return !outbox.isEmpty() || !readStates.isEmpty() || log.hasUnstable() || log.pendingSnapshot() != null
                || log.hasNextCommittedEntries() || !hardState().equals(prevHardState);
    }

    /**
     * What the caller must persist, send and apply now.
     *
     * @throws IllegalStateException when the previous Ready was not advanced
     */
    public Ready ready() {
        if (inFlight != null) {
            throw new IllegalStateException("advance the previous Ready before asking for the next");
        }
        flushBroadcasts();
        HardState hs = hardState();
        Optional<HardState> changed = hs.equals(prevHardState) ? Optional.empty() : Optional.of(hs);
        boolean termOrVoteChanged = hs.term() != prevHardState.term() || hs.vote() != prevHardState.vote();
        prevHardState = hs;
        List<Entry> entries = log.unstableEntries();
        Snapshot snapshot = log.pendingSnapshot();
        Ready ready = new Ready(role, leader, changed, Optional.ofNullable(snapshot), entries,
                log.nextCommittedEntries(config.maxCommittedBytesPerReady()), outbox, readStates,
                termOrVoteChanged || snapshot != null || !entries.isEmpty());
        outbox = new ArrayList<>();
        readStates = new ArrayList<>();
        inFlight = ready;
        return ready;
    }

    /** Tells the node that everything {@code ready} asked for was done. */
    public void advance(Ready ready) {
        if (ready != inFlight) {
            throw new IllegalStateException("advance called with a Ready that is not the one in flight");
        }
        inFlight = null;
        ready.snapshot().ifPresent(s -> log.stableSnapshotTo(s.index()));
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            if (log.stableTo(last.index(), last.term()) && role == Role.LEADER) {
                progress.get(id).maybeUpdate(log.stableLastIndex());
                maybeCommit();
            }
        }
        if (!ready.committedEntries().isEmpty()) {
            log.appliedTo(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
        }
    }

    // ---------------------------------------------------------------- observation

    public long id() {
        return id;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    public long leader() {
        return leader;
    }

    public long commitIndex() {
        return log.committed();
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    /** The committed membership this node follows. */
    public Membership membership() {
        return membership;
    }

    /** The first index the log still holds; earlier entries live only in the snapshot. */
    public long firstIndex() {
        return log.firstIndex();
    }

    /** The term of the log entry at {@code index}, if the log (durable or not) still holds it. */
    public OptionalLong termAt(long index) {
        long t = log.term(index);
        return t == RaftLog.UNKNOWN ? OptionalLong.empty() : OptionalLong.of(t);
    }

    public HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    public RaftStatus status() {
        Map<Long, RaftStatus.FollowerStatus> followers = new LinkedHashMap<>();
        if (role == Role.LEADER) {
            progress.forEach((peer, pr) -> {
                if (peer != id) {
                    followers.put(peer, new RaftStatus.FollowerStatus(pr.match, pr.next, pr.state));
                }
            });
        }
        return new RaftStatus(id, role, term, leader, log.committed(), log.applied(), log.lastIndex(), membership,
                followers);
    }

    @Override
    public String toString() {
        return "RaftNode[" + id + " " + role + " term=" + term + " leader=" + leader + " commit=" + log.committed()
                + " last=" + log.lastIndex() + "]";
    }

    // ---------------------------------------------------------------- messages

    /** Delivers a message from another node. Messages addressed to another node are ignored. */
    public void step(Message m) {
        if (m.to() != id) {
            return;
        }
        if (m.term() > term) {
            if (m instanceof RequestVote rv) {
                boolean inLease = config.checkQuorum() && leader != NONE && electionElapsed < config.electionTicks();
                if (!rv.transfer() && inLease) {
                    return; // a leader is alive: do not let a partitioned node disrupt it
                }
            }
            if (m instanceof RequestVote rv && rv.preVote()) {
                // a pre-vote does not change our term
            } else if (m instanceof VoteResponse vr && vr.preVote() && !vr.reject()) {
                // a granted pre-vote carries the term we would campaign in
            } else if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
                becomeFollower(m.term(), m.from());
            } else {
                becomeFollower(m.term(), NONE);
            }
        } else if (m.term() < term) {
            if ((config.checkQuorum() || config.preVote()) && (m instanceof AppendEntries || m instanceof Heartbeat)) {
                // tell a deposed leader cut off from the cluster that there is a newer term
                send(new AppendResponse(id, m.from(), term, 0, true, 0, 0));
            } else if (m instanceof RequestVote rv && rv.preVote()) {
                send(new VoteResponse(id, m.from(), term, true, true));
            }
            return;
        }

        if (m instanceof RequestVote rv) {
            handleVoteRequest(rv);
            return;
        }
        switch (role) {
            case LEADER -> stepLeader(m);
            case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
            case FOLLOWER -> stepFollower(m);
        }
    }

    private void handleVoteRequest(RequestVote m) {
        boolean canVote = vote == m.from() || (vote == NONE && leader == NONE) || (m.preVote() && m.term() > term);
        if (canVote && log.isUpToDate(m.lastIndex(), m.lastTerm())) {
            send(new VoteResponse(id, m.from(), m.preVote() ? m.term() : term, m.preVote(), false));
            if (!m.preVote()) {
                electionElapsed = 0;
                vote = m.from();
            }
        } else {
            send(new VoteResponse(id, m.from(), term, m.preVote(), true));
        }
    }

    private void stepLeader(Message m) {
        if (m instanceof AppendResponse r) {
            handleAppendResponse(r);
        } else if (m instanceof HeartbeatResponse r) {
            handleHeartbeatResponse(r);
        } else if (m instanceof ReadIndexRequest r) {
            handleReadIndex(r.from(), r.requestId());
        }
        // a leader ignores the rest: a vote response or TimeoutNow of its own term is stale
    }

    private void stepCandidate(Message m) {
        if (m instanceof AppendEntries || m instanceof Heartbeat || m instanceof InstallSnapshot) {
            becomeFollower(term, m.from());
            stepFollower(m);
        } else if (m instanceof VoteResponse r && r.preVote() == (role == Role.PRE_CANDIDATE)) {
            votes.putIfAbsent(r.from(), !r.reject());
            switch (tallyVotes()) {
                case WON -> {
                    if (role == Role.PRE_CANDIDATE) {
                        campaign(false, false);
                    } else {
                        becomeLeader();
                    }
                }
                case LOST -> becomeFollower(term, NONE);
                case PENDING -> { }
            }
        }
    }

    private void stepFollower(Message m) {
        if (m instanceof AppendEntries a) {
            electionElapsed = 0;
            leader = a.from();
            handleAppendEntries(a);
        } else if (m instanceof Heartbeat h) {
            electionElapsed = 0;
            leader = h.from();
            commitTo(h.commit());
            send(new HeartbeatResponse(id, h.from(), term, h.readRound()));
        } else if (m instanceof InstallSnapshot s) {
            electionElapsed = 0;
            leader = s.from();
            handleSnapshot(s);
        } else if (m instanceof TimeoutNow) {
            campaign(false, true);
        } else if (m instanceof ReadIndexResponse r) {
            readStates.add(new ReadState(r.requestId(), r.index()));
        }
    }

    // ---------------------------------------------------------------- follower side of replication

    private void handleAppendEntries(AppendEntries m) {
        if (m.prevIndex() < log.committed()) {
            send(new AppendResponse(id, m.from(), term, log.committed(), false, 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(m.prevIndex(), m.prevTerm(), m.entries());
        if (lastNew != RaftLog.UNKNOWN) {
            commitTo(Math.min(m.commit(), lastNew));
            send(new AppendResponse(id, m.from(), term, lastNew, false, 0, 0));
        } else {
            long hint = log.findConflictByTerm(Math.min(m.prevIndex(), log.lastIndex()), m.prevTerm());
            long hintTerm = Math.max(log.term(hint), 0);
            send(new AppendResponse(id, m.from(), term, m.prevIndex(), true, hint, hintTerm));
        }
    }

    private void handleSnapshot(InstallSnapshot m) {
        Snapshot s = m.snapshot();
        if (s.index() <= log.committed()) {
            send(new AppendResponse(id, m.from(), term, log.committed(), false, 0, 0));
        } else if (log.matchTerm(s.index(), s.term())) {
            commitTo(s.index());
            send(new AppendResponse(id, m.from(), term, log.committed(), false, 0, 0));
        } else {
            log.restore(s);
            membership = s.membership();
            send(new AppendResponse(id, m.from(), term, s.index(), false, 0, 0));
        }
    }

    // ---------------------------------------------------------------- leader side of replication

    private void handleAppendResponse(AppendResponse m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        if (m.reject()) {
            long hint = m.hintIndex();
            if (m.hintTerm() > 0) {
                hint = log.findConflictByTerm(m.hintIndex(), m.hintTerm());
            }
            if (pr.maybeDecreaseTo(m.index(), hint)) {
                if (pr.state == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.from(), true);
            }
            return;
        }
        boolean wasPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index())) {
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match + 1 >= log.firstIndex()) {
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.freeInflightsUpTo(m.index());
        }
        boolean committed = maybeCommit();
        if (role != Role.LEADER || !progress.containsKey(m.from())) {
            return; // the commit removed this leader or that member
        }
        if (!committed && wasPaused) {
            sendAppend(m.from(), true);
        }
        while (sendAppend(m.from(), false)) {
            // fill the pipeline
        }
        if (m.from() == leadTransferee && pr.match == log.lastIndex()) {
            send(new TimeoutNow(id, m.from(), term));
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state == ProgressState.REPLICATE && pr.isPaused()) {
            pr.freeFirstInflight();
        }
        if (pr.match < log.lastIndex()) {
            sendAppend(m.from(), true);
        }
        if (membership.isVoter(m.from()) && m.readRound() > readRoundAcked.getOrDefault(m.from(), 0L)) {
            readRoundAcked.put(m.from(), m.readRound());
            confirmReads();
        }
    }

    /** Sends the follower what it lacks; returns whether a message went out. */
    private boolean sendAppend(long to, boolean sendIfEmpty) {
        Progress pr = progress.get(to);
        if (pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm = log.term(prevIndex);
        List<Entry> entries = prevTerm == RaftLog.UNKNOWN ? null
                : log.entries(pr.next, log.lastIndex() + 1, config.maxMessageBytes());
        if (entries == null) {
            if (!pr.recentActive) {
                return false;
            }
            Snapshot snapshot = log.snapshot();
            pr.becomeSnapshot(snapshot.index());
            send(new InstallSnapshot(id, to, term, snapshot));
            return true;
        }
        if (entries.isEmpty() && !sendIfEmpty) {
            return false;
        }
        send(new AppendEntries(id, to, term, prevIndex, prevTerm, entries, log.committed()));
        if (!entries.isEmpty()) {
            pr.sentEntries(entries.get(entries.size() - 1).index());
        } else if (pr.state == ProgressState.PROBE) {
            pr.probeSent = true; // an empty probe still waits for its answer or the next heartbeat
        }
        return true;
    }

    private void broadcastAppend() {
        for (long peer : progress.keySet()) {
            if (peer != id) {
                sendAppend(peer, true);
            }
        }
    }

    private void broadcastHeartbeat() {
        for (Map.Entry<Long, Progress> e : progress.entrySet()) {
            if (e.getKey() != id) {
                long commit = Math.min(e.getValue().match, log.committed());
                send(new Heartbeat(id, e.getKey(), term, commit, readRound));
            }
        }
    }

    private void flushBroadcasts() {
        if (role != Role.LEADER) {
            return;
        }
        if (broadcastPending) {
            broadcastPending = false;
            broadcastAppend();
        }
        if (readRoundPending) {
            readRoundPending = false;
            heartbeatElapsed = 0;
            roundSentAt.put(readRound, ticks);
            broadcastHeartbeat();
        }
    }

    /** Commits the highest index a quorum of voters holds, if it is of the current term. */
    private boolean maybeCommit() {
        if (!membership.isVoter(id)) {
            return false;
        }
        long[] matches = membership.voters().stream().mapToLong(v -> progress.get(v).match).sorted().toArray();
        long quorumIndex = matches[matches.length - membership.quorum()];
        if (quorumIndex <= log.committed() || log.term(quorumIndex) != term) {
            return false; // only entries of the current term commit by counting (Raft §5.4.2)
        }
        boolean firstOfTerm = !committedInCurrentTerm();
        commitTo(quorumIndex);
        broadcastPending = true;
        if (firstOfTerm) {
            List<PendingRead> waiting = new ArrayList<>(readsAwaitingTermCommit);
            readsAwaitingTermCommit.clear();
            waiting.forEach(r -> registerRead(r.origin(), r.requestId()));
        }
        return true;
    }

    private boolean committedInCurrentTerm() {
        return log.term(log.committed()) == term;
    }

    private ProposeResult appendOwn(EntryType type, byte[] data) {
        long index = log.lastIndex() + 1;
        log.append(List.of(new Entry(term, index, type, data)));
        broadcastPending = true;
        return new ProposeResult.Accepted(index, term);
    }

    private Optional<ProposeResult> refuseProposal() {
        if (role != Role.LEADER) {
            return Optional.of(new ProposeResult.Rejected("not the leader", leader));
        }
        if (leadTransferee != NONE) {
            return Optional.of(new ProposeResult.Rejected(
                    "leadership is being transferred to " + leadTransferee, leader));
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- read index

    private void handleReadIndex(long origin, long requestId) {
        if (!committedInCurrentTerm()) {
            readsAwaitingTermCommit.add(new PendingRead(origin, requestId, 0, 0));
            return;
        }
        registerRead(origin, requestId);
    }

    private void registerRead(long origin, long requestId) {
        if (membership.quorum() == 1 || (config.readOnlyOption() == ReadOnlyOption.LEASE_BASED && leaseHolds())) {
            answerRead(new PendingRead(origin, requestId, log.committed(), 0));
            return;
        }
        if (!readRoundPending) {
            startReadRound();
        }
        pendingReads.addLast(new PendingRead(origin, requestId, log.committed(), readRound));
    }

    /**
     * Whether a quorum acknowledged a heartbeat round sent less than an election timeout ago: until then, no
     * voter of that quorum grants a vote to anyone else (check-quorum leases), so no other leader can exist
     * (assuming clocks that tick at the same rate).
     */
    private boolean leaseHolds() {
        Long sentAt = roundSentAt.get(confirmedRound());
        return sentAt != null && ticks - sentAt < config.electionTicks();
    }

    /** The latest heartbeat round a quorum of voters acknowledged. */
    private long confirmedRound() {
        long[] acked = membership.voters().stream().mapToLong(v -> readRoundAcked.getOrDefault(v, 0L)).sorted()
                .toArray();
        return acked[acked.length - membership.quorum()];
    }

    private void startReadRound() {
        readRound++;
        readRoundPending = true;
        readRoundAcked.put(id, readRound);
    }

    /** Answers every read whose heartbeat round a quorum of voters acknowledged. */
    private void confirmReads() {
        long confirmed = confirmedRound();
        roundSentAt.headMap(confirmed).clear();
        while (!pendingReads.isEmpty() && pendingReads.peekFirst().round() <= confirmed) {
            answerRead(pendingReads.removeFirst());
        }
    }

    private void answerRead(PendingRead r) {
        if (r.origin() == id) {
            readStates.add(new ReadState(r.requestId(), r.index()));
        } else {
            send(new ReadIndexResponse(id, r.origin(), term, r.requestId(), r.index()));
        }
    }

    // ---------------------------------------------------------------- ticks and roles

    private void tickElection() {
        electionElapsed++;
        if (isPromotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            campaign(config.preVote(), false);
        }
    }

    private void tickLeader() {
        ticks++;
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum()) {
                long active = membership.voters().stream()
                        .filter(v -> v == id || progress.get(v).recentActive).count();
                if (active < membership.quorum()) {
                    becomeFollower(term, NONE); // lost contact with a quorum: stop acting as leader
                    return;
                }
                progress.forEach((peer, pr) -> pr.recentActive = peer == id);
            }
            leadTransferee = NONE; // a transfer that did not finish within an election timeout is abandoned
        }
        for (Progress pr : progress.values()) {
            if (pr.state == ProgressState.SNAPSHOT && ++pr.snapshotElapsed >= config.snapshotTimeoutTicks()) {
                pr.becomeProbe();
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            if (config.readOnlyOption() == ReadOnlyOption.LEASE_BASED) {
                startReadRound(); // every heartbeat renews the lease
                readRoundPending = false;
                roundSentAt.put(readRound, ticks);
            }
            broadcastHeartbeat();
        }
    }

    private boolean isPromotable() {
        return membership.isVoter(id);
    }

    private void campaign(boolean preVote, boolean transfer) {
        if (!isPromotable()) {
            return;
        }
        long voteTerm;
        if (preVote) {
            becomePreCandidate();
            voteTerm = term + 1;
        } else {
            becomeCandidate();
            voteTerm = term;
        }
        votes.put(id, true);
        if (tallyVotes() == VoteResult.WON) {
            if (preVote) {
                campaign(false, transfer);
            } else {
                becomeLeader();
            }
            return;
        }
        for (long voter : membership.voters()) {
            if (voter != id) {
                send(new RequestVote(id, voter, voteTerm, log.lastIndex(), log.lastTerm(), preVote, transfer));
            }
        }
    }

    private enum VoteResult { WON, LOST, PENDING }

    private VoteResult tallyVotes() {
        int granted = 0;
        int rejected = 0;
        for (long voter : membership.voters()) {
            Boolean v = votes.get(voter);
            if (v != null) {
                if (v) {
                    granted++;
                } else {
                    rejected++;
                }
            }
        }
        if (granted >= membership.quorum()) {
            return VoteResult.WON;
        }
        if (rejected > membership.voters().size() - membership.quorum()) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    private void becomeFollower(long newTerm, long newLeader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        leader = newLeader;
    }

    private void becomePreCandidate() {
        votes.clear();
        leader = NONE;
        role = Role.PRE_CANDIDATE;
    }

    private void becomeCandidate() {
        reset(term + 1);
        vote = id;
        role = Role.CANDIDATE;
    }

    private void becomeLeader() {
        reset(term);
        role = Role.LEADER;
        leader = id;
        for (long member : membership.members()) {
            progress.put(member, new Progress(log.lastIndex() + 1, config.maxInflightMessages()));
        }
        progress.putIfAbsent(id, new Progress(log.lastIndex() + 1, config.maxInflightMessages()));
        Progress self = progress.get(id);
        self.maybeUpdate(log.stableLastIndex());
        self.becomeReplicate();
        self.recentActive = true;
        pendingConfIndex = log.lastIndex();
        appendOwn(EntryType.NORMAL, new byte[0]);
    }

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        leader = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
        leadTransferee = NONE;
        votes.clear();
        progress.clear();
        broadcastPending = false;
        pendingReads.clear();
        readsAwaitingTermCommit.clear();
        readRoundPending = false;
        readRoundAcked.clear();
        roundSentAt.clear();
    }

    // ---------------------------------------------------------------- commitment and membership

    private void commitTo(long index) {
        long before = log.committed();
        if (log.commitTo(index)) {
            applyCommittedConfigs(before, index);
        }
    }

    /** Membership changes take effect when their entry commits. */
    private void applyCommittedConfigs(long after, long upTo) {
        long next = after + 1;
        while (next <= upTo) {
            List<Entry> batch = log.entries(next, upTo + 1, config.maxCommittedBytesPerReady());
            for (Entry e : batch) {
                if (e.type() == EntryType.CONFIG) {
                    setMembership(Membership.decode(e.data()));
                }
            }
            next += batch.size();
        }
    }

    private void setMembership(Membership next) {
        membership = next;
        if (role != Role.LEADER) {
            return;
        }
        if (!membership.isVoter(id)) {
            handOverBeforeLeaving();
            becomeFollower(term, NONE); // a removed leader steps down
            return;
        }
        progress.keySet().removeIf(peer -> !membership.isMember(peer));
        readRoundAcked.keySet().removeIf(peer -> !membership.isVoter(peer));
        for (long member : membership.members()) {
            if (!progress.containsKey(member)) {
                Progress pr = new Progress(log.lastIndex() + 1, config.maxInflightMessages());
                pr.recentActive = true;
                progress.put(member, pr);
            }
        }
        if (leadTransferee != NONE && !membership.isVoter(leadTransferee)) {
            leadTransferee = NONE;
        }
        broadcastPending = true;
        maybeCommit(); // a smaller majority may already hold more entries
        confirmReads();
    }

    /**
     * A leader that removed itself tells the most up-to-date remaining voter to campaign at once, so the cluster
     * does not wait an election timeout (which check-quorum leases would otherwise impose).
     */
    private void handOverBeforeLeaving() {
        long best = NONE;
        long bestMatch = -1;
        for (long voter : membership.voters()) {
            Progress pr = progress.get(voter);
            if (pr != null && pr.match > bestMatch) {
                best = voter;
                bestMatch = pr.match;
            }
        }
        if (best != NONE && bestMatch == log.lastIndex()) {
            send(new TimeoutNow(id, best, term));
        }
    }

    private void send(Message m) {
        outbox.add(m);
    }
}
