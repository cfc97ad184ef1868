package dev.leasehold.client;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DescribeLockResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.PutRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Leader election among the sessions that campaign under one name, built on a {@link DistributedLock}: the
 * session that holds the election's lock leads, in the order the candidates campaigned, and publishes a value
 * (its address, say) that the others read with {@link #leader()} or follow with {@link #observe}.
 *
 * <pre>{@code
 * LeaderElection election = client.leaderElection(session, "scheduler");
 * FencingToken term = election.campaign("host-a:8080"); // blocks until this session leads
 * while (election.isLeader()) {
 *     runOneRound(term.value()); // work that others must not do at the same time, fenced by the term
 * }
 * }</pre>
 *
 * <p>The value is stored under the key {@code leasehold/election/NAME}, written with the leader's token as a
 * fence, so a deposed leader cannot overwrite its successor's value; a reader accepts the value only when its
 * token is the current holder's, so it never reports a deposed leader's value as the current one.
 */
public final class LeaderElection {

    /**
     * The current leader.
     *
     * @param value what the leader published when it campaigned (or later {@linkplain #proclaim proclaimed})
     * @param sessionId the leader's session
     * @param term the token of the leader's grant: greater for every later leader
     */
    public record Leader(String value, long sessionId, FencingToken term) {
    }

    private static final String PREFIX = "leasehold/election/";

    private final LeaseholdClient client;
    private final String name;
    private final DistributedLock lock;
    private final ByteString key;

    LeaderElection(LeaseholdClient client, Session session, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("election name must not be empty");
        }
        this.client = client;
        this.name = name;
        this.lock = session.lock(PREFIX + name);
        this.key = ByteString.copyFromUtf8(PREFIX + name);
    }

    /** The election's name. */
    public String name() {
        return name;
    }

    /**
     * Waits until this session leads, then publishes {@code value} as the leader's.
     *
     * @return the leader's term: its lock token, to fence what it does as leader
     * @throws SessionLostException if the session is lost first
     * @throws InterruptedException if interrupted while waiting; the candidacy is then withdrawn
     */
    public FencingToken campaign(String value) throws InterruptedException {
        Objects.requireNonNull(value, "value");
        FencingToken term = lock.acquire();
        try {
            proclaim(value);
        } catch (RuntimeException e) {
            lock.release();
            throw e;
        }
        return term;
    }

    /**
     * Replaces the value this leader published.
     *
     * @throws IllegalStateException if this session does not lead (any more)
     */
    public void proclaim(String value) {
        FencingToken term = lock.token().orElseThrow(() -> notLeader());
        try {
            client.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8(term.value() + ":" + value))
                    .setFence(term.toFence()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION) {
                throw notLeader();
            }
            throw e;
        }
    }

    /** Whether this session leads now: it holds the election's lock and is certainly alive. Reads the clock. */
    public boolean isLeader() {
        return lock.isHeld();
    }

    /**
     * The current leader, read linearizably; empty when nobody leads, or while a new leader has not yet published
     * its value.
     */
    public Optional<Leader> leader() {
        DescribeLockResponse lockState = client.describeLock(lock.name());
        if (!lockState.getHeld()) {
            return Optional.empty();
        }
        GetResponse published = client.get(GetRequest.newBuilder().setKey(key)
                .setConsistency(Consistency.LINEARIZABLE).build());
        if (!published.getFound()) {
            return Optional.empty();
        }
        String stored = published.getKv().getValue().toStringUtf8();
        int colon = stored.indexOf(':');
        long token = colon > 0 ? parseToken(stored.substring(0, colon)) : 0;
        if (token != lockState.getHolder().getToken()) {
            return Optional.empty(); // the value of a leader that is no longer the holder
        }
        return Optional.of(new Leader(stored.substring(colon + 1), lockState.getHolder().getSessionId(),
                new FencingToken(lock.name(), token, lock.session().clusterId())));
    }

    /**
     * Calls {@code listener} with the current leader now and whenever it changes, checking every {@code every},
     * on a thread of its own, until the returned handle is closed. A failed check (no node reachable) is retried
     * at the next one.
     */
    public AutoCloseable observe(Duration every, Consumer<Optional<Leader>> listener) {
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("every must be positive, was " + every);
        }
        Thread observer = new Thread(() -> {
            Optional<Leader> last = null;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Optional<Leader> now = leader();
                    if (!now.equals(last)) {
                        last = now;
                        listener.accept(now);
                    }
                } catch (ClusterUnavailableException | StatusRuntimeException e) {
                    // the next check tries again
                }
                try {
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "leasehold-election-" + name);
        observer.setDaemon(true);
        observer.start();
        return observer::interrupt;
    }

    /**
     * Steps down: withdraws the published value and releases the lock, so the next candidate leads at once.
     * Does nothing if this session does not lead.
     */
    public void resign() {
        Optional<FencingToken> term = lock.token();
        if (term.isEmpty()) {
            return;
        }
        try {
            client.delete(DeleteRequest.newBuilder().setKey(key).setFence(term.get().toFence()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                throw e;
            }
        }
        lock.release();
    }

    private static long parseToken(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private IllegalStateException notLeader() {
        return new IllegalStateException("this session does not lead election " + name);
    }
}
