package dev.leasehold.client;

import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The client's one keep-alive stream, which carries the keep-alives of all its sessions to the leader.
 *
 * <p>Every session sends a keep-alive as soon as it is granted and then every third of its TTL, numbered,
 * remembering when it sent each; an acknowledgement moves the session's deadline on from the send time of the
 * keep-alive it echoes. The stream goes to the leader: a follower answers {@code NOT_LEADER} naming it, and the stream moves there (the address
 * comes from the cluster's membership). A stream that breaks, or that leaves a keep-alive unanswered for a third
 * of a TTL (a paused or cut-off node), is replaced by one to the next endpoint, and every session sends at once.
 *
 * <p>All state is touched only on the client's timer thread; gRPC callbacks hand over to it.
 */
final class KeepAlives implements AutoCloseable {

    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long STATUS_TIMEOUT_MILLIS = 2000;

    private final LeaseholdClient client;
    private final ScheduledExecutorService timer;
    private final Map<Long, Session> sessions = new HashMap<>();

    private StreamObserver<KeepAliveRequest> stream;
    private Endpoint target;
    private long openedNanos;
    private int generation;
    private int rotation;
    private boolean reconnecting;
    private long backoffNanos = FIRST_BACKOFF_NANOS;
    private boolean closed;

    KeepAlives(LeaseholdClient client, ScheduledExecutorService timer) {
        this.client = client;
        this.timer = timer;
    }

    void add(Session session) {
        timer.execute(() -> {
            if (closed) {
                session.markLost("the client was closed");
                return;
            }
            sessions.put(session.id(), session);
            long period = Math.max(1, session.ttl().toNanos() / 3);
            // The first keep-alive goes at once: the deadline counts from when the grant was sent, and a grant
            // that took long (an election under way) may have used up much of the TTL already.
            session.sending = timer.scheduleAtFixedRate(() -> tick(session), 0, period, TimeUnit.NANOSECONDS);
            watchDeadline(session);
        });
    }

    void remove(Session session) {
        client.later(() -> forget(session), 0);
    }

    private void forget(Session session) {
        if (sessions.remove(session.id(), session)) {
            cancel(session);
            if (sessions.isEmpty()) {
                closeStream(); // no server stream held open for nothing; the next session opens one
            }
        }
    }

    private static void cancel(Session session) {
        if (session.sending != null) {
            session.sending.cancel(false);
        }
        if (session.deadlineCheck != null) {
            session.deadlineCheck.cancel(false);
        }
    }

    private void tick(Session session) {
        if (!session.isAlive()) {
            return;
        }
        Map.Entry<Long, Long> oldest = session.sentNanosBySequence.firstEntry();
        long third = session.ttl().toNanos() / 3;
        long now = System.nanoTime();
        if (oldest != null && now - oldest.getValue() > third && now - openedNanos > third && !reconnecting) {
            // The node took the keep-alive and did not answer it: paused, cut off, or a leader that lost its
            // quorum. Another node may lead by now.
            reconnect(null);
            return;
        }
        send(session);
    }

    private void send(Session session) {
        if (session.draining || session.isLost()) {
            return;
        }
        if (stream == null) {
            if (!reconnecting) {
                reconnect(null);
            }
            return; // the new stream sends for every session
        }
        long sequence = session.nextSequence++;
        long sentNanos = System.nanoTime();
        session.sentNanosBySequence.put(sequence, sentNanos);
        // Keep-alives older than a TTL can no longer move the deadline on.
        session.sentNanosBySequence.headMap(sequence - 64).clear();
        stream.onNext(KeepAliveRequest.newBuilder().setSessionId(session.id()).setSequence(sequence).build());
    }

    /** Opens a stream to {@code to}, or to the next endpoint when no leader is known, and sends for all sessions. */
    private void reconnect(Endpoint to) {
        closeStream();
        if (closed || sessions.isEmpty()) {
            return;
        }
        target = to != null ? to : client.endpoint(rotation++);
        int opened = ++generation;
        openedNanos = System.nanoTime();
        stream = SessionGrpc.newStub(client.channel(target)).keepAlive(
                new ClientResponseObserver<KeepAliveRequest, KeepAliveResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<KeepAliveRequest> requests) {
                    }

                    @Override
                    public void onNext(KeepAliveResponse response) {
                        client.later(() -> answered(opened, response), 0);
                    }

                    @Override
                    public void onError(Throwable t) {
                        client.later(() -> broken(opened), 0);
                    }

                    @Override
                    public void onCompleted() {
                        client.later(() -> broken(opened), 0);
                    }
                });
        for (Session s : sessions.values()) {
            s.sentNanosBySequence.clear(); // answers on the old stream may never come
            send(s);
        }
    }

    private void closeStream() {
        generation++; // what the old stream still reports is about a stream no longer in use
        if (stream != null) {
            try {
                stream.onError(io.grpc.Status.CANCELLED.withDescription("moving to another node").asException());
            } catch (RuntimeException ignored) {
                // already closed by the other side
            }
            stream = null;
        }
    }

    private void answered(int opened, KeepAliveResponse response) {
        Session session = sessions.get(response.getSessionId());
        if (session == null) {
            return;
        }
        if (!response.getClusterId().isEmpty() && !response.getClusterId().equals(session.clusterId())) {
            lose(session, "cluster " + response.getClusterId() + " answered, not " + session.clusterId()
                    + " that granted it");
            return;
        }
        switch (response.getResult()) {
            case ALIVE -> {
                // Any node's ALIVE counts, also on an older stream: the leader that sent it had confirmed its
                // leadership after the keep-alive arrived.
                Long sentNanos = session.sentNanosBySequence.get(response.getSequence());
                if (sentNanos != null) {
                    session.sentNanosBySequence.headMap(response.getSequence(), true).clear();
                    if (session.acknowledged(sentNanos)) {
                        watchDeadline(session);
                    }
                }
                backoffNanos = FIRST_BACKOFF_NANOS;
            }
            case ENDED -> {
                lose(session, "the store says it has ended (expired or revoked)");
                revokeQuietly(session); // its expiry may not be committed yet: end it at once
            }
            case UNKNOWN_SESSION -> lose(session, "the store does not know it");
            case DRAINING -> session.draining = true; // lost once the deadline passes, unless it ends sooner
            case NOT_LEADER -> {
                if (opened == generation && !reconnecting) {
                    findLeader(response.getLeader());
                }
            }
            case UNRECOGNIZED -> {
            }
        }
    }

    private void broken(int opened) {
        if (opened != generation || reconnecting || closed) {
            return;
        }
        stream = null;
        retryLater();
    }

    /** Asks the node that said it does not lead where the leader is, then moves the stream there. */
    private void findLeader(long leader) {
        if (leader == 0) {
            retryLater(); // an election is under way; the next endpoint may know more by then
            return;
        }
        reconnecting = true;
        Endpoint asked = target;
        ClusterGrpc.newStub(client.channel(asked)).withDeadlineAfter(STATUS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(StatusResponse status) {
                        Endpoint address = null;
                        for (Member m : status.getMembersList()) {
                            if (m.getId() == leader && !m.getAddress().isEmpty()) {
                                address = parseOrNull(m.getAddress());
                            }
                        }
                        Endpoint found = address;
                        client.later(() -> {
                            reconnecting = false;
                            reconnect(found);
                        }, 0);
                    }

                    @Override
                    public void onError(Throwable t) {
                        client.later(() -> {
                            reconnecting = false;
                            retryLater();
                        }, 0);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    private static Endpoint parseOrNull(String address) {
        try {
            return Endpoint.parse(address);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Opens a stream to the next endpoint after a backoff. */
    private void retryLater() {
        closeStream();
        reconnecting = true;
        long delay = backoffNanos;
        backoffNanos = Math.min(2 * backoffNanos, MAX_BACKOFF_NANOS);
        client.later(() -> {
            reconnecting = false;
            reconnect(null);
        }, delay);
    }

    private void watchDeadline(Session session) {
        if (session.deadlineCheck != null) {
            session.deadlineCheck.cancel(false);
        }
        long delay = session.deadlineNanos() - System.nanoTime();
        session.deadlineCheck = timer.schedule(() -> {
            if (!session.isAlive()) {
                forget(session);
                revokeQuietly(session);
            }
        }, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    private void lose(Session session, String reason) {
        session.markLost(reason);
        forget(session);
    }

    /**
     * A session the client gave up on may still live at the store (its keep-alives were only late): revoking it
     * passes its locks on now instead of a TTL later. Best effort, off the timer thread.
     */
    private void revokeQuietly(Session session) {
        CompletableFuture.runAsync(() -> {
            try {
                session.revoke();
            } catch (RuntimeException ignored) {
                // the store ends it by itself
            }
        });
    }

    @Override
    public void close() {
        try {
            timer.submit(() -> {
                closed = true;
                closeStream();
                sessions.values().forEach(s -> {
                    cancel(s);
                    s.markLost("the client was closed");
                });
                sessions.clear();
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
