package dev.leasehold.systemtest.client;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.client.ClusterUnavailableException;
import dev.leasehold.client.DistributedLock;
import dev.leasehold.client.Endpoint;
import dev.leasehold.client.FencingToken;
import dev.leasehold.client.LeaseholdClient;
import dev.leasehold.client.Session;
import dev.leasehold.client.SessionLostException;
import dev.leasehold.client.SessionOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@link LockClient} over the project's Java client ({@link LeaseholdClient}, {@link Session},
 * {@link DistributedLock}): what an application meets. The worker's invocation ids are not used, since the
 * client picks its own; keep-alive acknowledgements are read off each session's deadline, which the client moves
 * to the send time of the acknowledged keep-alive plus the TTL less the drift margin.
 */
public final class JavaLockClient implements LockClient {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final long WATCH_MILLIS = 10;

    private final LeaseholdClient client;
    private final SessionEvents events;
    private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastDeadline = new ConcurrentHashMap<>();
    private final Map<String, DistributedLock> locks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keep-alive-watcher");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param nodes the store's nodes, id → {@code host:port}
     * @param home the node to try first
     */
    public JavaLockClient(Map<Long, String> nodes, long home, SessionEvents events) {
        List<Endpoint> endpoints = new ArrayList<>();
        endpoints.add(Endpoint.parse(nodes.get(home)));
        nodes.forEach((id, address) -> {
            if (id != home) {
                endpoints.add(Endpoint.parse(address));
            }
        });
        this.client = new LeaseholdClient(endpoints, CALL_TIMEOUT);
        this.events = events;
        watcher.scheduleWithFixedDelay(this::reportAcknowledgements, WATCH_MILLIS, WATCH_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private void reportAcknowledgements() {
        sessions.forEach((id, session) -> {
            long deadline = session.deadlineNanos();
            Long before = lastDeadline.put(id, deadline);
            if (before != null && before != deadline && !session.lost().isDone()) {
                long margin = SessionOptions.defaultDriftMargin(session.ttl()).toNanos();
                events.acknowledged(id, deadline - session.ttl().toNanos() + margin);
            }
        });
    }

    @Override
    public Reply<Long> grant(Duration ttl) {
        try {
            Session session = client.newSession(ttl);
            sessions.put(session.id(), session);
            lastDeadline.put(session.id(), session.deadlineNanos());
            // Runs in the thread that marks the session lost, before the client revokes it quietly (it does when
            // its deadline passes or the store says the session ended), so the note precedes that revoke.
            session.lost().thenAccept(lost -> {
                if (sessions.containsKey(session.id())) { // not given up by revoke(), which forgets it first
                    events.lost(session.id(), lost.getMessage(), true);
                }
            });
            return new Reply.Ok<>(session.id());
        } catch (RuntimeException e) {
            return failed(e, false);
        }
    }

    @Override
    public boolean lost(long session) {
        Session s = sessions.get(session);
        return s == null || !s.isAlive();
    }

    @Override
    public Reply<Long> acquire(long session, String lock, long invocation, Duration wait) {
        return withLock(session, lock, held -> held.tryAcquire(wait).<Reply<Long>>map(t -> new Reply.Ok<>(t.value()))
                .orElseGet(() -> new Reply.Refused<>("CANCELLED", "gave up waiting and cancelled the request")));
    }

    @Override
    public Reply<OptionalLong> tryAcquire(long session, String lock, long invocation) {
        return withLock(session, lock, held -> new Reply.Ok<>(held.tryAcquire(Duration.ZERO)
                .map(t -> OptionalLong.of(t.value())).orElse(OptionalLong.empty())));
    }

    @Override
    public Reply<Boolean> release(long session, String lock, long token, long invocation) {
        return withLock(session, lock, held -> {
            Optional<FencingToken> holding = held.token();
            if (holding.isEmpty() || holding.get().value() != token) {
                return new Reply.Refused<>("NOT_HELD", "this client does not hold " + lock + " with " + token);
            }
            boolean released = held.release();
            // the client answers false also when the store refused a release of an ended session, which may
            // follow an attempt of unknown outcome: only a live session's false is certain
            return released || sessions.get(session).isAlive() ? new Reply.Ok<>(released)
                    : new Reply.Unknown<>("not released, and the session is lost");
        });
    }

    @Override
    public Reply<Long> fencedPut(String key, String value, String lock, long token) {
        try {
            return new Reply.Ok<>(client.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFromUtf8(value))
                    .setFence(new FencingToken(lock, token, "").toFence()).build()).getHeader().getRevision());
        } catch (RuntimeException e) {
            return failed(e, true);
        }
    }

    @Override
    public Reply<Read> get(String key) {
        try {
            GetResponse r = client.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
            return new Reply.Ok<>(r.getFound() ? new Read(r.getKv().getValue().toStringUtf8(),
                    r.getKv().getModRevision()) : new Read("", 0));
        } catch (RuntimeException e) {
            return failed(e, false);
        }
    }

    @Override
    public Reply<List<String>> revoke(long session) {
        Session s = sessions.remove(session);
        lastDeadline.remove(session);
        locks.keySet().removeIf(k -> k.startsWith(session + "/"));
        try {
            return new Reply.Ok<>(List.copyOf(client.revoke(session).getReleasedLocksList()));
        } catch (RuntimeException e) {
            return failed(e, false);
        } finally {
            if (s != null) {
                try {
                    s.close(); // the session is given up whatever the answer: no more keep-alives
                } catch (RuntimeException alreadyEnded) {
                    // revoked above, or ended
                }
            }
        }
    }

    private interface LockCall<T> {
        Reply<T> call(DistributedLock lock) throws InterruptedException;
    }

    private <T> Reply<T> withLock(long session, String lock, LockCall<T> call) {
        Session s = sessions.get(session);
        if (s == null) {
            return new Reply.Refused<>("NO_SESSION", "session " + session + " is not this client's");
        }
        DistributedLock held = locks.computeIfAbsent(session + "/" + lock, k -> s.lock(lock));
        try {
            return call.call(held);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply.Unknown<>("interrupted");
        } catch (RuntimeException e) {
            return failed(e, false);
        }
    }

    /**
     * A failed call: the store's refusal changed nothing; a lost session, a cluster that did not answer in time
     * or a deadline leaves the outcome unknown.
     */
    private static <T> Reply<T> failed(RuntimeException e, boolean onlyFencingRefuses) {
        if (e instanceof StatusRuntimeException s) {
            Status.Code code = s.getStatus().getCode();
            boolean refused = code == Status.Code.FAILED_PRECONDITION
                    || (!onlyFencingRefuses && code == Status.Code.INVALID_ARGUMENT);
            return refused ? new Reply.Refused<>(code.name(), s.getStatus().getDescription())
                    : new Reply.Unknown<>(code + ": " + s.getStatus().getDescription());
        }
        if (e instanceof SessionLostException || e instanceof ClusterUnavailableException) {
            return new Reply.Unknown<>(e.getMessage());
        }
        return new Reply.Unknown<>(String.valueOf(e));
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        client.close();
    }
}
