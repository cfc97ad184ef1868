package dev.leasehold.store.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.api.v1.ResponseHeader;
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.api.v1.TxnResponse;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.store.NotLeaderException;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.StoreException;
import dev.leasehold.store.storage.StateMachine;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The public KV API. Writes go through the Raft log on the leader (a follower forwards them); reads are
 * linearizable through a read index unless the client asks for a serializable read from this node's state.
 */
public final class KvService extends KVGrpc.KVImplBase {

    private final RaftDriver driver;
    private final StateMachine stateMachine;
    private final LeaderRoute route;
    private final Executor executor;
    private final Deadlines deadlines;
    private final long timeoutMillis;

    public KvService(RaftDriver driver, StateMachine stateMachine, LeaderRoute route, Executor executor,
                     Deadlines deadlines, Duration timeout) {
        this.driver = driver;
        this.stateMachine = stateMachine;
        this.route = route;
        this.executor = executor;
        this.deadlines = deadlines;
        this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        write(() -> RequestLimits.check(request), Command.newBuilder().setPut(request).build(), PutResponse.class,
                observer, (stub, relay) -> stub.put(request, relay));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
        write(() -> RequestLimits.check(request), Command.newBuilder().setDelete(request).build(),
                DeleteResponse.class, observer, (stub, relay) -> stub.delete(request, relay));
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        write(() -> RequestLimits.check(request), Command.newBuilder().setTxn(request).build(), TxnResponse.class,
                observer, (stub, relay) -> stub.txn(request, relay));
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        read(() -> RequestLimits.check(request), request.getConsistency(), observer, () -> {
            Optional<KeyValue> kv = stateMachine.get(request.getKey());
            GetResponse.Builder b = GetResponse.newBuilder().setHeader(header()).setFound(kv.isPresent());
            kv.ifPresent(b::setKv);
            return b.build();
        });
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        read(() -> RequestLimits.check(request), request.getConsistency(), observer, () -> {
            int limit = request.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : (int) request.getLimit();
            RangeResponse r = stateMachine.range(request.getPrefix(), request.getStartAfter(), limit);
            return r.toBuilder().setHeader(header()).build();
        });
    }

    private <T> void read(Runnable validate, Consistency consistency, StreamObserver<T> observer,
                          Supplier<T> answer) {
        try {
            validate.run();
        } catch (StoreException e) {
            Replies.fail(observer, e);
            return;
        }
        CompletableFuture<?> ready = consistency == Consistency.SERIALIZABLE
                ? CompletableFuture.completedFuture(null)
                : deadlines.watch(driver.readBarrier());
        ready.thenApplyAsync(ignored -> answer.get(), executor).whenComplete((value, error) -> {
            if (error != null) {
                Replies.fail(observer, error);
            } else {
                Replies.reply(observer, value);
            }
        });
    }

    private <T extends Message> void write(Runnable validate, Command command, Class<T> type,
                                           StreamObserver<T> observer,
                                           BiConsumer<KVGrpc.KVStub, StreamObserver<T>> forward) {
        try {
            validate.run();
        } catch (StoreException e) {
            Replies.fail(observer, e);
            return;
        }
        if (!route.leadsNow()) {
            forward(observer, forward);
            return;
        }
        deadlines.watch(driver.propose(command.toByteArray()))
                .whenComplete((result, error) -> {
                    Throwable cause = error == null ? null : Replies.cause(error);
                    if (cause instanceof NotLeaderException) {
                        forward(observer, forward); // lost leadership between the check and the proposal
                    } else if (cause != null) {
                        Replies.fail(observer, cause);
                    } else {
                        Message response = result.response().orElseThrow();
                        if (response instanceof Refusal refusal) {
                            Replies.fail(observer, Replies.refused(refusal)); // a stale fence
                        } else {
                            Replies.reply(observer, stamp(type.cast(response)));
                        }
                    }
                });
    }

    private <T> void forward(StreamObserver<T> observer, BiConsumer<KVGrpc.KVStub, StreamObserver<T>> call) {
        try {
            KVGrpc.KVStub stub = KVGrpc.newStub(route.leaderChannel())
                    .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
            call.accept(stub, observer);
        } catch (StoreException e) {
            Replies.fail(observer, e);
        }
    }

    private ResponseHeader header() {
        return ResponseHeader.newBuilder().setMemberId(driver.id()).setRaftTerm(driver.status().term())
                .setRevision(stateMachine.revision()).build();
    }

    /** Adds this node's id and term to the header the state machine wrote. */
    @SuppressWarnings("unchecked")
    private <T extends Message> T stamp(T response) {
        FieldDescriptor field = response.getDescriptorForType().findFieldByName("header");
        ResponseHeader h = (ResponseHeader) response.getField(field);
        return (T) response.toBuilder().setField(field, h.toBuilder().setMemberId(driver.id())
                .setRaftTerm(driver.status().term()).build()).build();
    }
}
