package dev.leasehold.store.session;

import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.ExpireSession;
import dev.leasehold.api.command.v1.SessionRecord;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.KeepAliveResponse.Result;
import dev.leasehold.raft.RaftStatus;
import dev.leasehold.raft.Role;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.storage.StateMachine;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The leader's clocks for sessions (DESIGN.md, "Sessions and locks"). Keep-alives are not replicated: the leader
 * answers them and decides expiry on its own monotonic clock, and ends a session only by proposing
 * {@code ExpireSession} through the log.
 *
 * <p>The rules, each of which keeps a lease from ending early:
 * <ul>
 *   <li>a leader that has just taken over (a new term) gives every session a full TTL from then on: it cannot know
 *       which keep-alives its predecessor acknowledged;</li>
 *   <li>a keep-alive is acknowledged only after a ReadIndex round that began after it arrived confirmed this
 *       node's leadership (which also means the leader has committed an entry of its term) and the state machine
 *       applied up to that read index, with the session still alive there, in the same term in which it arrived.
 *       Everything in the log before the leader's first entry of its term is applied by then, so an
 *       {@code ExpireSession} proposed by an earlier leader has taken effect; the leader's own pending expiries
 *       are remembered here;</li>
 *   <li>the session's clock restarts at the keep-alive's arrival, which is after the client sent it: the client,
 *       which counts from when it sent it, stops believing in the session first;</li>
 *   <li>once the clock ran out, the leader proposes the expiry and acknowledges no further keep-alive for it; a
 *       draining session's keep-alives are not acknowledged at all, so it ends one TTL after the last one that
 *       was.</li>
 * </ul>
 *
 * <p>Thread-safe: {@link #tick()} runs on a timer, {@link #keepAlive} on network threads and its answers on the
 * thread that completes the read barrier.
 */
public final class SessionKeeper {

    private static final Logger LOG = Logger.getLogger(SessionKeeper.class.getName());

    private final RaftDriver driver;
    private final StateMachine stateMachine;
    private final LongSupplier nanoClock;

    // guarded by this
    private long leaderTerm = -1;
    /** Per live session: when the last acknowledged keep-alive arrived (or this term's leadership began). */
    private final Map<Long, Long> lastAck = new HashMap<>();
    /** Sessions whose expiry this leader proposed. */
    private final Set<Long> expiring = new HashSet<>();

    public SessionKeeper(RaftDriver driver, StateMachine stateMachine, LongSupplier nanoClock) {
        this.driver = driver;
        this.stateMachine = stateMachine;
        this.nanoClock = nanoClock;
    }

    /** Called every Raft tick: follows leadership and proposes the expiry of sessions whose time ran out. */
    public void tick() {
        try {
            followAndExpire();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "checking session clocks failed; trying again at the next tick", e);
        }
    }

    private void followAndExpire() {
        RaftStatus status = driver.status();
        long now = nanoClock.getAsLong();
        List<SessionRecord> live = stateMachine.coordination().sessions();
        synchronized (this) {
            if (!leadsIn(status)) {
                leaderTerm = -1;
                lastAck.clear();
                expiring.clear();
                return;
            }
            followLeadership(status.term());
            Set<Long> alive = new HashSet<>();
            for (SessionRecord s : live) {
                alive.add(s.getId());
                long since = lastAck.computeIfAbsent(s.getId(), id -> now);
                if (!expiring.contains(s.getId()) && now - since > ttlNanos(s)) {
                    expiring.add(s.getId());
                    proposeExpiry(s.getId(), leaderTerm);
                }
            }
            lastAck.keySet().retainAll(alive);
            expiring.retainAll(alive);
        }
    }

    /** A new term of leadership starts every clock again (lazily, at a full TTL from when it is first read). */
    private void followLeadership(long term) {
        if (term > leaderTerm) {
            leaderTerm = term;
            lastAck.clear();
            expiring.clear();
        }
    }

    private void proposeExpiry(long session, long term) {
        byte[] command = Command.newBuilder().setExpireSession(ExpireSession.newBuilder().setSessionId(session))
                .build().toByteArray();
        driver.propose(command).whenComplete((result, error) -> {
            if (error != null) {
                LOG.fine(() -> "proposing the expiry of session " + session + " failed: " + error);
                synchronized (this) {
                    if (leaderTerm == term) {
                        expiring.remove(session); // proposed again at the next tick while this node leads
                    }
                }
            }
        });
    }

    /** Answers one keep-alive; the future never fails. */
    public CompletableFuture<KeepAliveResponse> keepAlive(long session, long sequence) {
        long arrival = nanoClock.getAsLong();
        RaftStatus status = driver.status();
        KeepAliveResponse.Builder answer = KeepAliveResponse.newBuilder().setSessionId(session).setSequence(sequence)
                .setClusterId(stateMachine.clusterId());
        if (!leadsIn(status)) {
            return CompletableFuture.completedFuture(answer.setResult(Result.NOT_LEADER)
                    .setLeader(status.leader()).build());
        }
        long term = status.term();
        return driver.readBarrier().handle((readIndex, error) -> {
            RaftStatus now = driver.status();
            if (error != null || !leadsIn(now) || now.term() != term) {
                return answer.setResult(Result.NOT_LEADER).setLeader(now.leader()).build();
            }
            var record = stateMachine.coordination().session(session);
            if (record.isEmpty()) {
                return answer.setResult(Result.ENDED).build();
            }
            SessionRecord s = record.get();
            answer.setTtlMillis(s.getTtlMillis());
            if (s.getDraining()) {
                return answer.setResult(Result.DRAINING).build();
            }
            synchronized (this) {
                followLeadership(term);
                if (leaderTerm != term) {
                    return answer.setResult(Result.NOT_LEADER).setLeader(now.leader()).build(); // a later term seen
                }
                long since = lastAck.getOrDefault(session, arrival);
                if (expiring.contains(session) || arrival - since > ttlNanos(s)) {
                    return answer.setResult(Result.ENDED).build();
                }
                lastAck.put(session, Math.max(since, arrival));
                return answer.setResult(Result.ALIVE).build();
            }
        });
    }

    private boolean leadsIn(RaftStatus status) {
        return status.role() == Role.LEADER && status.leader() == status.id();
    }

    private static long ttlNanos(SessionRecord s) {
        return TimeUnit.MILLISECONDS.toNanos(s.getTtlMillis());
    }
}
