package dev.leasehold.operator.lease;

import dev.leasehold.api.v1.DescribeLockRequest;
import dev.leasehold.api.v1.DescribeLockResponse;
import dev.leasehold.api.v1.DescribeSessionRequest;
import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.DrainRequest;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.RevokeRequest;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.operator.store.StoreNodes;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The calls a claim makes on its store, each tried on the members in turn until one answers (a follower forwards
 * to the leader). Every call here is safe to repeat: a {@code Grant} with the claim's UID as owner returns the same
 * session, a repeated {@code Drain} or {@code Revoke} changes nothing more.
 *
 * @param endpoints the store members' addresses
 */
record ClaimStore(StoreNodes nodes, List<String> endpoints) {

    private static final long DEADLINE_MILLIS = 5_000;

    GrantResponse grant(String owner, long ttlMillis) {
        return call(channel -> SessionGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS).grant(GrantRequest.newBuilder().setOwner(owner).setTtlMillis(ttlMillis).build()));
    }

    DescribeSessionResponse describeSession(long session) {
        return call(channel -> SessionGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS).describe(DescribeSessionRequest.newBuilder().setSessionId(session).build()));
    }

    void revoke(long session) {
        call(channel -> SessionGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS).revoke(RevokeRequest.newBuilder().setSessionId(session).build()));
    }

    void drain(long session) {
        call(channel -> SessionGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS).drain(DrainRequest.newBuilder().setSessionId(session).build()));
    }

    DescribeLockResponse describeLock(String lock) {
        return call(channel -> LockGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_MILLIS,
                TimeUnit.MILLISECONDS).describe(DescribeLockRequest.newBuilder().setName(lock).build()));
    }

    private <T> T call(Function<Channel, T> request) {
        StatusRuntimeException last = new StatusRuntimeException(Status.UNAVAILABLE.withDescription(
                "the store has no member to ask"));
        for (String endpoint : endpoints) {
            try {
                return request.apply(nodes.channel(endpoint));
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }
}
