package dev.leasehold.store.api;

import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.DrainSession;
import dev.leasehold.api.command.v1.GrantSession;
import dev.leasehold.api.command.v1.RevokeSession;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DescribeSessionRequest;
import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.DrainRequest;
import dev.leasehold.api.v1.DrainResponse;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.RevokeRequest;
import dev.leasehold.api.v1.RevokeResponse;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.store.session.SessionKeeper;
import dev.leasehold.store.storage.StateMachine;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The public Session API. Grant, revoke and drain go through the log (a follower forwards them); keep-alives are
 * answered by the leader's {@link SessionKeeper} and never replicated: a follower answers each with
 * {@code NOT_LEADER} naming the leader, and the client moves its stream there.
 */
public final class SessionService extends SessionGrpc.SessionImplBase {

    private final StateMachine stateMachine;
    private final Requests requests;
    private final SessionKeeper keeper;

    public SessionService(StateMachine stateMachine, Requests requests, SessionKeeper keeper) {
        this.stateMachine = stateMachine;
        this.requests = requests;
        this.keeper = keeper;
    }

    @Override
    public void grant(GrantRequest request, StreamObserver<GrantResponse> observer) {
        requests.write(() -> RequestLimits.ttl(request.getTtlMillis()), Command.newBuilder()
                        .setGrantSession(GrantSession.newBuilder().setTtlMillis(request.getTtlMillis())
                                .setOwner(request.getOwner())).build(), GrantResponse.class, observer,
                (channel, relay) -> SessionGrpc.newStub(channel).grant(request, relay));
    }

    @Override
    public void revoke(RevokeRequest request, StreamObserver<RevokeResponse> observer) {
        requests.write(() -> RequestLimits.session(request.getSessionId()), Command.newBuilder()
                        .setRevokeSession(RevokeSession.newBuilder().setSessionId(request.getSessionId())).build(),
                RevokeResponse.class, observer, (channel, relay) -> SessionGrpc.newStub(channel).revoke(request, relay));
    }

    @Override
    public void drain(DrainRequest request, StreamObserver<DrainResponse> observer) {
        requests.write(() -> RequestLimits.session(request.getSessionId()), Command.newBuilder()
                        .setDrainSession(DrainSession.newBuilder().setSessionId(request.getSessionId())).build(),
                DrainResponse.class, observer, (channel, relay) -> SessionGrpc.newStub(channel).drain(request, relay));
    }

    @Override
    public void describe(DescribeSessionRequest request, StreamObserver<DescribeSessionResponse> observer) {
        requests.read(() -> RequestLimits.session(request.getSessionId()), Consistency.LINEARIZABLE, observer, () -> {
            var coordination = stateMachine.coordination();
            DescribeSessionResponse.Builder b = DescribeSessionResponse.newBuilder()
                    .setHeader(requests.header(stateMachine.revision())).setSessionId(request.getSessionId())
                    .setClusterId(stateMachine.clusterId());
            coordination.session(request.getSessionId()).ifPresent(s -> b.setAlive(true)
                    .setDraining(s.getDraining()).setTtlMillis(s.getTtlMillis()).setOwner(s.getOwner())
                    .addAllHeldLocks(coordination.heldBy(s.getId())));
            return b.build();
        });
    }

    @Override
    public StreamObserver<KeepAliveRequest> keepAlive(StreamObserver<KeepAliveResponse> responses) {
        ServerCallStreamObserver<KeepAliveResponse> out = (ServerCallStreamObserver<KeepAliveResponse>) responses;
        return new StreamObserver<>() {
            private boolean done;

            @Override
            public void onNext(KeepAliveRequest request) {
                keeper.keepAlive(request.getSessionId(), request.getSequence()).thenAccept(answer -> {
                    synchronized (this) { // answers complete on several threads; a stream takes one at a time
                        if (!done && !out.isCancelled()) {
                            out.onNext(answer);
                        }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                synchronized (this) {
                    done = true;
                }
            }

            @Override
            public void onCompleted() {
                synchronized (this) {
                    if (!done) {
                        done = true;
                        out.onCompleted();
                    }
                }
            }
        };
    }
}
