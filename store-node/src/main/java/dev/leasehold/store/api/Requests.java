package dev.leasehold.store.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.ResponseHeader;
import dev.leasehold.store.NotLeaderException;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.StoreException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the public services share: a write goes through the Raft log on the leader (a follower forwards it, once),
 * a read waits for a read index unless it asks for a serializable read, and every answer carries this node's id
 * and term in its header.
 */
public final class Requests {

    private final RaftDriver driver;
    private final LeaderRoute route;
    private final Executor executor;
    private final Deadlines deadlines;
    private final Supplier<String> clusterId;
    /** Gives a call without a deadline this node's request timeout. */
    private final ClientInterceptor requestTimeout;

    public Requests(RaftDriver driver, LeaderRoute route, Executor executor, Deadlines deadlines, Duration timeout,
                    Supplier<String> clusterId) {
        this.driver = driver;
        this.clusterId = clusterId;
        this.route = route;
        this.executor = executor;
        this.deadlines = deadlines;
        long timeoutMillis = timeout.toMillis();
        this.requestTimeout = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return next.newCall(method, options.getDeadline() != null ? options
                        : options.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
            }
        };
    }

    RaftDriver driver() {
        return driver;
    }

    /** The cluster's id as this node has applied it; empty before the first leader named it. */
    String clusterId() {
        return clusterId.get();
    }

    boolean leadsNow() {
        return route.leadsNow();
    }

    /**
     * Proposes {@code command} and answers with what applying it returned (a refusal becomes the matching gRPC
     * error); on a follower, or when leadership moved before the proposal, hands the request to {@code forward}
     * with a channel to the leader.
     */
    <T extends Message> void write(Runnable validate, Command command, Class<T> type, StreamObserver<T> observer,
                                   BiConsumer<Channel, StreamObserver<T>> forward) {
        write(validate, command, type, response -> response, observer, forward);
    }

    /** As above, with the state machine's answer turned into the API's by {@code translate}. */
    <R extends Message, T extends Message> void write(Runnable validate, Command command, Class<R> type,
                                                      Function<R, T> translate, StreamObserver<T> observer,
                                                      BiConsumer<Channel, StreamObserver<T>> forward) {
        if (!validated(validate, observer)) {
            return;
        }
        if (!route.leadsNow()) {
            forward(observer, forward);
            return;
        }
        propose(command).whenComplete((response, error) -> {
            Throwable cause = error == null ? null : Replies.cause(error);
            if (cause instanceof NotLeaderException) {
                forward(observer, forward); // lost leadership between the check and the proposal
            } else if (cause != null) {
                Replies.fail(observer, cause);
            } else {
                Replies.reply(observer, stamp(translate.apply(type.cast(response))));
            }
        });
    }

    /**
     * The answer of an applied command: fails with {@link StoreException} for a refusal and with
     * {@link NotLeaderException} when this node does not lead.
     */
    CompletableFuture<Message> propose(Command command) {
        return watch(driver.propose(command.toByteArray())).thenApply(result -> {
            Message response = result.response().orElseThrow();
            if (response instanceof Refusal refusal) {
                throw Replies.refused(refusal);
            }
            return response;
        });
    }

    /** Answers with {@code answer}, computed once the read index is applied (at once for a serializable read). */
    <T> void read(Runnable validate, Consistency consistency, StreamObserver<T> observer, Supplier<T> answer) {
        if (!validated(validate, observer)) {
            return;
        }
        CompletableFuture<?> ready = consistency == Consistency.SERIALIZABLE
                ? CompletableFuture.completedFuture(null)
                : watch(driver.readBarrier());
        ready.thenApplyAsync(ignored -> answer.get(), executor).whenComplete((value, error) -> {
            if (error != null) {
                Replies.fail(observer, error);
            } else {
                Replies.reply(observer, value);
            }
        });
    }

    /** Fails {@code future} with a timeout unless it completes within this node's request timeout. */
    <T> CompletableFuture<T> watch(CompletableFuture<T> future) {
        return deadlines.watch(future);
    }

    /** Calls {@code call} with a channel to the leader, with no deadline but the caller's own. */
    <T> void forwardWithoutTimeout(StreamObserver<T> observer, BiConsumer<Channel, StreamObserver<T>> call) {
        try {
            call.accept(route.leaderChannel(), observer);
        } catch (StoreException e) {
            Replies.fail(observer, e);
        }
    }

    /** Calls {@code call} with a channel to the leader whose calls have this node's request timeout. */
    <T> void forward(StreamObserver<T> observer, BiConsumer<Channel, StreamObserver<T>> call) {
        forwardWithoutTimeout(observer, (leader, relay) -> call.accept(
                ClientInterceptors.intercept(leader, requestTimeout), relay));
    }

    ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setMemberId(driver.id()).setRaftTerm(driver.status().term())
                .setRevision(revision).setClusterId(clusterId.get()).build();
    }

    /** Adds this node's id and term to the response's header (which the state machine may have started). */
    @SuppressWarnings("unchecked")
    <T extends Message> T stamp(T response) {
        FieldDescriptor field = response.getDescriptorForType().findFieldByName("header");
        if (field == null) {
            return response;
        }
        ResponseHeader h = (ResponseHeader) response.getField(field);
        return (T) response.toBuilder().setField(field, h.toBuilder().setMemberId(driver.id())
                .setRaftTerm(driver.status().term()).setClusterId(clusterId.get()).build()).build();
    }

    private static boolean validated(Runnable validate, StreamObserver<?> observer) {
        try {
            validate.run();
            return true;
        } catch (StoreException e) {
            Replies.fail(observer, e);
            return false;
        }
    }
}
