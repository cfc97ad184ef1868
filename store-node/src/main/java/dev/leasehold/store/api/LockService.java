package dev.leasehold.store.api;

import dev.leasehold.api.command.v1.AcquireLock;
import dev.leasehold.api.command.v1.AcquireOutcome;
import dev.leasehold.api.command.v1.CancelAcquire;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.ReleaseLock;
import dev.leasehold.api.command.v1.Waiter;
import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.CancelAcquireRequest;
import dev.leasehold.api.v1.CancelAcquireResponse;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DescribeLockRequest;
import dev.leasehold.api.v1.DescribeLockResponse;
import dev.leasehold.api.v1.LockGranted;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.LockHolder;
import dev.leasehold.api.v1.Queued;
import dev.leasehold.api.v1.ReleaseRequest;
import dev.leasehold.api.v1.ReleaseResponse;
import dev.leasehold.api.v1.TryAcquireResponse;
import dev.leasehold.api.v1.ValidateFenceRequest;
import dev.leasehold.api.v1.ValidateFenceResponse;
import dev.leasehold.store.NotLeaderException;
import dev.leasehold.store.storage.Coordination;
import dev.leasehold.store.storage.StateMachine;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The public Lock API. Every change goes through the log on the leader (a follower forwards it). An
 * {@code Acquire} that has to wait stays parked here until the state machine reports the grant, which every node
 * applies, so a parked call is answered even after this node stopped leading. Cancelling the call only detaches
 * it: the request keeps its place until {@code CancelAcquire} or the end of its session, and a retry with the same
 * invocation id re-attaches to it.
 */
public final class LockService extends LockGrpc.LockImplBase {

    private record Key(String lock, long session, long invocation) {
    }

    /** One waiting Acquire call: answered once. */
    private final class Parked {
        private final Key key;
        private final ServerCallStreamObserver<AcquireEvent> out;
        private boolean finished;
        private long lastPosition;

        Parked(Key key, ServerCallStreamObserver<AcquireEvent> out) {
            this.key = key;
            this.out = out;
        }

        /** A waiter's place only ever moves forward: a report of an older state, which may come late, is dropped. */
        synchronized void queued(long position) {
            if (!finished && (lastPosition == 0 || position < lastPosition) && !out.isCancelled()) {
                lastPosition = position;
                out.onNext(AcquireEvent.newBuilder().setQueued(Queued.newBuilder().setPosition(position)).build());
            }
        }

        synchronized void granted(long token) {
            if (finish()) {
                out.onNext(AcquireEvent.newBuilder().setGranted(LockGranted.newBuilder()
                        .setHeader(requests.header(stateMachine.revision())).setToken(token)
                        .setClusterId(requests.clusterId())).build());
                out.onCompleted();
            }
        }

        synchronized void fail(Throwable error) {
            if (finish()) {
                Replies.fail(out, error);
            }
        }

        private boolean finish() {
            parked.remove(key, this);
            if (finished || out.isCancelled()) {
                finished = true;
                return false;
            }
            finished = true;
            return true;
        }
    }

    private final StateMachine stateMachine;
    private final Requests requests;
    private final Executor places;
    private final Map<Key, Parked> parked = new ConcurrentHashMap<>();

    /**
     * @param places runs the updates of waiters' places, one at a time in order, off the thread that applies
     */
    public LockService(StateMachine stateMachine, Requests requests, Executor places) {
        this.stateMachine = stateMachine;
        this.requests = requests;
        this.places = places;
    }

    /**
     * Grants, ended sessions, moved queues and restores, reported by the state machine after each apply batch.
     * Runs on the thread that applies, which is on the path of every write: grants and failures are answered here,
     * and the new places of the waiters behind them (one message per parked caller of a lock that passed on, 63
     * for a lock with 64 waiters) are sent from the {@code places} executor, each lock's in one pass over its
     * waiters.
     */
    public void onEvents(List<Coordination.Event> events) {
        Set<String> moved = new LinkedHashSet<>();
        for (Coordination.Event event : events) {
            if (event instanceof Coordination.Event.Granted g) {
                Parked p = parked.get(new Key(g.lock(), g.session(), g.invocation()));
                if (p != null) {
                    p.granted(g.token());
                }
                moved.add(g.lock());
            } else if (event instanceof Coordination.Event.Moved m) {
                moved.add(m.lock());
            } else if (event instanceof Coordination.Event.Ended e) {
                parked.values().stream().filter(p -> p.key.session() == e.session()).toList()
                        .forEach(p -> p.fail(Status.FAILED_PRECONDITION.withDescription("session " + e.session()
                                + " ended while it waited for lock " + p.key.lock()).asRuntimeException()));
            } else if (event instanceof Coordination.Event.Reset) {
                parked.values().forEach(this::recheck);
                parked.keySet().forEach(k -> moved.add(k.lock()));
            }
        }
        if (!moved.isEmpty()) {
            places.execute(() -> updatePlaces(moved));
        }
    }

    /**
     * Tells the parked callers of these locks their places as of now (a later batch may have moved them again: each
     * caller hears of a place only when it differs from the last one it was told).
     */
    private void updatePlaces(Set<String> moved) {
        for (String lock : moved) {
            stateMachine.coordination().lock(lock).ifPresent(record -> {
                int position = 1;
                for (Waiter w : record.getWaitersList()) {
                    Parked p = parked.get(new Key(lock, w.getSessionId(), w.getInvocationId()));
                    if (p != null) {
                        p.queued(position);
                    }
                    position++;
                }
            });
        }
    }

    private void recheck(Parked p) {
        Coordination c = stateMachine.coordination();
        var remembered = c.remembered(p.key.session(), p.key.invocation());
        if (remembered.isPresent() && remembered.get().getToken() != 0) {
            p.granted(remembered.get().getToken());
        } else if (c.session(p.key.session()).isEmpty()) {
            p.fail(Status.FAILED_PRECONDITION.withDescription("session " + p.key.session() + " has ended")
                    .asRuntimeException());
        } else if (c.position(p.key.lock(), p.key.session(), p.key.invocation()) == 0) {
            p.fail(Status.FAILED_PRECONDITION.withDescription("the acquire is no longer queued (cancelled)")
                    .asRuntimeException());
        }
    }

    @Override
    public void acquire(AcquireRequest request, StreamObserver<AcquireEvent> observer) {
        try {
            RequestLimits.lock(request.getName(), request.getSessionId(), request.getInvocationId(), true);
        } catch (RuntimeException e) {
            Replies.fail(observer, e);
            return;
        }
        if (!requests.leadsNow()) {
            forwardAcquire(request, observer);
            return;
        }
        Key key = new Key(request.getName(), request.getSessionId(), request.getInvocationId());
        ServerCallStreamObserver<AcquireEvent> out = (ServerCallStreamObserver<AcquireEvent>) observer;
        Parked p = new Parked(key, out);
        Parked replaced = parked.put(key, p);
        if (replaced != null) {
            replaced.fail(Status.CANCELLED.withDescription("the same acquire was re-attached by a newer call")
                    .asRuntimeException());
        }
        out.setOnCancelHandler(() -> parked.remove(key, p));
        requests.propose(acquireCommand(request, false)).whenComplete((response, error) -> {
            if (error != null && Replies.cause(error) instanceof NotLeaderException) {
                parked.remove(key, p);
                forwardAcquire(request, observer);
            } else if (error != null) {
                p.fail(error);
            } else {
                AcquireOutcome outcome = (AcquireOutcome) response;
                if (outcome.getToken() != 0) {
                    p.granted(outcome.getToken());
                } else if (outcome.getPosition() > 0) {
                    p.queued(outcome.getPosition());
                } else {
                    p.fail(Status.FAILED_PRECONDITION.withDescription("invocation " + request.getInvocationId()
                            + " of session " + request.getSessionId() + " was cancelled or refused earlier")
                            .asRuntimeException());
                }
            }
        });
    }

    /** A waiting acquire may outlast the request timeout: the forwarded call has only the caller's deadline. */
    private void forwardAcquire(AcquireRequest request, StreamObserver<AcquireEvent> observer) {
        requests.forwardWithoutTimeout(observer, (channel, relay) -> LockGrpc.newStub(channel).acquire(request, relay));
    }

    @Override
    public void tryAcquire(AcquireRequest request, StreamObserver<TryAcquireResponse> observer) {
        requests.write(() -> RequestLimits.lock(request.getName(), request.getSessionId(), request.getInvocationId(),
                        true), acquireCommand(request, true), AcquireOutcome.class, outcome -> {
                    TryAcquireResponse.Builder b = TryAcquireResponse.newBuilder()
                            .setHeader(requests.header(stateMachine.revision()))
                            .setAcquired(outcome.getToken() != 0).setToken(outcome.getToken())
                            .setClusterId(requests.clusterId());
                    if (outcome.getToken() == 0 && outcome.getHolderSession() != 0) {
                        b.setHolder(LockHolder.newBuilder().setSessionId(outcome.getHolderSession())
                                .setToken(outcome.getHolderToken()));
                    }
                    return b.build();
                }, observer, (channel, relay) -> LockGrpc.newStub(channel).tryAcquire(request, relay));
    }

    @Override
    public void cancelAcquire(CancelAcquireRequest request, StreamObserver<CancelAcquireResponse> observer) {
        requests.write(() -> RequestLimits.lock(request.getName(), request.getSessionId(), request.getInvocationId(),
                        true), Command.newBuilder().setCancelAcquire(CancelAcquire.newBuilder()
                        .setName(request.getName()).setSessionId(request.getSessionId())
                        .setInvocationId(request.getInvocationId())).build(), CancelAcquireResponse.class,
                response -> {
                    if (response.getCancelled()) {
                        Parked p = parked.get(new Key(request.getName(), request.getSessionId(),
                                request.getInvocationId()));
                        if (p != null) {
                            p.fail(Status.CANCELLED.withDescription("cancelled by CancelAcquire")
                                    .asRuntimeException());
                        }
                    }
                    return response;
                }, observer, (channel, relay) -> LockGrpc.newStub(channel).cancelAcquire(request, relay));
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<ReleaseResponse> observer) {
        requests.write(() -> RequestLimits.lock(request.getName(), request.getSessionId(), request.getInvocationId(),
                        false), Command.newBuilder().setRelease(ReleaseLock.newBuilder().setName(request.getName())
                        .setSessionId(request.getSessionId()).setToken(request.getToken())
                        .setInvocationId(request.getInvocationId())).build(), ReleaseResponse.class, observer,
                (channel, relay) -> LockGrpc.newStub(channel).release(request, relay));
    }

    @Override
    public void describe(DescribeLockRequest request, StreamObserver<DescribeLockResponse> observer) {
        requests.read(() -> RequestLimits.lockName(request.getName(), "name"), request.getConsistency(), observer,
                () -> {
                    DescribeLockResponse.Builder b = DescribeLockResponse.newBuilder()
                            .setHeader(requests.header(stateMachine.revision()));
                    stateMachine.coordination().lock(request.getName()).ifPresent(l -> {
                        if (l.getHolderSession() != 0) {
                            b.setHeld(true).setHolder(LockHolder.newBuilder().setSessionId(l.getHolderSession())
                                    .setToken(l.getToken()));
                        }
                        l.getWaitersList().forEach(w -> b.addWaiters(w.getSessionId()));
                    });
                    return b.build();
                });
    }

    @Override
    public void validateFence(ValidateFenceRequest request, StreamObserver<ValidateFenceResponse> observer) {
        requests.read(() -> RequestLimits.lockName(request.getName(), "name"),
                Consistency.LINEARIZABLE, observer,
                () -> ValidateFenceResponse.newBuilder().setHeader(requests.header(stateMachine.revision()))
                        .setValid(stateMachine.coordination().validates(request.getName(), request.getToken()))
                        .build());
    }

    private static Command acquireCommand(AcquireRequest request, boolean tryOnly) {
        return Command.newBuilder().setAcquire(AcquireLock.newBuilder().setName(request.getName())
                .setSessionId(request.getSessionId()).setInvocationId(request.getInvocationId())
                .setTryOnly(tryOnly)).build();
    }
}
