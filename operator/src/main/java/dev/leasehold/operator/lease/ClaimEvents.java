package dev.leasehold.operator.lease;

import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.operator.store.StoreNodes;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The store's word on every claim, pushed, never polled (DESIGN.md, Kubernetes): one parked {@code Acquire} per
 * claim that has a session — re-attached with the same invocation id after a broken stream, on the next member,
 * since only {@code CancelAcquire} or the end of the session withdraws a queued request — and one multiplexed
 * {@code KeepAlive} stream per store that carries the renewals of all its claims. Every change of a claim's
 * {@link ClaimState} triggers its reconciliation. It keeps no lock state of its own beyond the latest answer: after
 * an operator restart the parked calls re-attach and the store answers again.
 */
public final class ClaimEvents extends AbstractEventSource<ClaimState, Lease> {

    private static final Logger LOG = Logger.getLogger(ClaimEvents.class.getName());
    private static final long RETRY_MILLIS = 500;

    private final StoreNodes nodes;
    private final Map<ResourceID, Claim> claims = new ConcurrentHashMap<>();
    private final Map<String, KeepAliveLink> links = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "claim-events-retry");
        t.setDaemon(true);
        return t;
    });

    public ClaimEvents(StoreNodes nodes) {
        super(ClaimState.class, "claim-events");
        this.nodes = nodes;
    }

    /** The latest word of the store on a claim, if it is attached. */
    public Optional<ClaimState> state(ResourceID claim) {
        return Optional.ofNullable(claims.get(claim)).map(c -> c.state);
    }

    @Override
    public Set<ClaimState> getSecondaryResources(Lease primary) {
        return state(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
    }

    /**
     * Parks the claim's {@code Acquire} unless it is parked already for this session.
     *
     * @param store     the store's key (its cluster id): claims of one store share a keep-alive stream
     * @param endpoints the store members' addresses; a follower forwards to the leader
     */
    public void attach(ResourceID claim, String store, List<String> endpoints, String lock, long session,
                       long invocation) {
        claims.compute(claim, (id, existing) -> {
            if (existing != null && existing.session == session) {
                existing.endpoints = List.copyOf(endpoints);
                return existing;
            }
            if (existing != null) {
                existing.close();
            }
            Claim fresh = new Claim(id, store, endpoints, lock, session, invocation);
            retries.execute(fresh::park);
            return fresh;
        });
    }

    /** Sends one keep-alive for the claim's session with {@code sequence}, the renewal counter it captured. */
    public void keepAlive(ResourceID claim, long sequence) {
        Claim c = claims.get(claim);
        if (c != null) {
            links.computeIfAbsent(c.store, s -> new KeepAliveLink(s)).send(c, sequence);
        }
    }

    /** Withdraws nothing from the store: only stops listening (the claim is gone or final). */
    public void detach(ResourceID claim) {
        Claim c = claims.remove(claim);
        if (c != null) {
            c.close();
            KeepAliveLink link = links.get(c.store);
            if (link != null) {
                link.forget(c.session);
            }
        }
    }

    @Override
    public void stop() {
        claims.values().forEach(Claim::close);
        claims.clear();
        links.values().forEach(KeepAliveLink::close);
        links.clear();
        retries.shutdownNow();
        super.stop();
    }

    private void changed(Claim claim) {
        if (isRunning() && claims.get(claim.id) == claim) {
            getEventHandler().handleEvent(new Event(claim.id));
        }
    }

    /** One claim's parked {@code Acquire}. */
    private final class Claim {
        final ResourceID id;
        final String store;
        final String lock;
        final long session;
        final long invocation;
        volatile List<String> endpoints;
        volatile ClaimState state;
        private Context.CancellableContext call;
        private int attempt;
        private boolean closed;

        Claim(ResourceID id, String store, List<String> endpoints, String lock, long session, long invocation) {
            this.id = id;
            this.store = store;
            this.endpoints = List.copyOf(endpoints);
            this.lock = lock;
            this.session = session;
            this.invocation = invocation;
            this.state = ClaimState.of(session);
        }

        synchronized void park() {
            if (closed || state.token() != 0 || state.ended() != null || endpoints.isEmpty()) {
                return;
            }
            String endpoint = endpoints.get(Math.floorMod(attempt++, endpoints.size()));
            Context.CancellableContext context = Context.current().withCancellation();
            call = context;
            AcquireRequest request = AcquireRequest.newBuilder().setName(lock).setSessionId(session)
                    .setInvocationId(invocation).build();
            context.run(() -> LockGrpc.newStub(nodes.channel(endpoint)).acquire(request, new StreamObserver<>() {
                @Override
                public void onNext(AcquireEvent event) {
                    update(event.hasGranted() ? state.granted(event.getGranted().getToken())
                            : state.queued(event.getQueued().getPosition()));
                }

                @Override
                public void onError(Throwable t) {
                    Status status = Status.fromThrowable(t);
                    if (status.getCode() == Status.Code.CANCELLED && context.isCancelled()) {
                        return;
                    }
                    if (status.getCode() == Status.Code.INVALID_ARGUMENT && String.valueOf(status.getDescription())
                            .contains("no live session")) {
                        update(state.ended("the store ended session " + session + " (" + status.getDescription()
                                + ")"));
                        return;
                    }
                    LOG.fine(() -> "re-attaching the Acquire of " + id + " after " + StoreNodes.describe(status));
                    retries.schedule(Claim.this::park, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }

                @Override
                public void onCompleted() {
                    if (state.token() == 0 && !context.isCancelled()) {
                        retries.schedule(Claim.this::park, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                    }
                }
            }));
        }

        void update(ClaimState next) {
            synchronized (this) {
                if (next.equals(state)) {
                    return;
                }
                state = next;
            }
            changed(this);
        }

        synchronized void close() {
            closed = true;
            if (call != null) {
                call.cancel(null);
            }
        }
    }

    /**
     * The keep-alive stream of one store: renewals of all its claims, numbered by their renewal counters. It moves
     * to the next member when a node answers that it does not lead or the stream breaks, and sends again what was
     * not yet answered.
     */
    private final class KeepAliveLink {
        final String store;
        private final Map<Long, Long> unanswered = new HashMap<>();
        private final Map<Long, Claim> bySession = new HashMap<>();
        private StreamObserver<KeepAliveRequest> stream;
        private int attempt;
        private boolean closed;

        KeepAliveLink(String store) {
            this.store = store;
        }

        synchronized void send(Claim claim, long sequence) {
            bySession.put(claim.session, claim);
            unanswered.merge(claim.session, sequence, Math::max);
            if (stream == null) {
                open(claim.endpoints);
            } else {
                stream.onNext(KeepAliveRequest.newBuilder().setSessionId(claim.session).setSequence(sequence).build());
            }
        }

        synchronized void forget(long session) {
            unanswered.remove(session);
            bySession.remove(session);
        }

        private void open(List<String> endpoints) {
            if (closed || endpoints.isEmpty()) {
                return;
            }
            String endpoint = endpoints.get(Math.floorMod(attempt++, endpoints.size()));
            StreamObserver<KeepAliveRequest>[] mine = new StreamObserver[1];
            mine[0] = SessionGrpc.newStub(nodes.channel(endpoint)).keepAlive(new StreamObserver<>() {
                @Override
                public void onNext(KeepAliveResponse response) {
                    answered(mine[0], response);
                }

                @Override
                public void onError(Throwable t) {
                    broken(mine[0]);
                }

                @Override
                public void onCompleted() {
                    broken(mine[0]);
                }
            });
            stream = mine[0];
            unanswered.forEach((session, sequence) -> stream.onNext(KeepAliveRequest.newBuilder()
                    .setSessionId(session).setSequence(sequence).build()));
        }

        private synchronized void answered(StreamObserver<KeepAliveRequest> from, KeepAliveResponse response) {
            if (from != stream) {
                return;
            }
            Claim claim = bySession.get(response.getSessionId());
            switch (response.getResult()) {
                case ALIVE -> {
                    if (unanswered.getOrDefault(response.getSessionId(), -1L) == response.getSequence()) {
                        unanswered.remove(response.getSessionId());
                    }
                    if (claim != null) {
                        claim.update(claim.state.acknowledged(response.getSequence()));
                    }
                }
                case ENDED, UNKNOWN_SESSION -> {
                    unanswered.remove(response.getSessionId());
                    if (claim != null) {
                        claim.update(claim.state.ended("the store ended session " + response.getSessionId()
                                + " (keep-alive answered " + response.getResult() + ")"));
                    }
                }
                case DRAINING -> unanswered.remove(response.getSessionId());
                case NOT_LEADER -> moveOn(claim);
                default -> {
                }
            }
        }

        private synchronized void broken(StreamObserver<KeepAliveRequest> from) {
            if (from == stream) {
                stream = null;
                Claim any = bySession.values().stream().findFirst().orElse(null);
                retries.schedule(() -> reopen(any), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }

        private void moveOn(Claim claim) {
            StreamObserver<KeepAliveRequest> old = stream;
            stream = null;
            if (old != null) {
                old.onCompleted();
            }
            retries.schedule(() -> reopen(claim), 50, TimeUnit.MILLISECONDS);
        }

        private synchronized void reopen(Claim any) {
            if (stream == null && any != null && !unanswered.isEmpty()) {
                open(any.endpoints);
            }
        }

        synchronized void close() {
            closed = true;
            if (stream != null) {
                stream.onCompleted();
                stream = null;
            }
        }
    }
}
