package dev.leasehold.store.api;

import dev.leasehold.api.command.v1.Command;
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
import dev.leasehold.api.v1.TxnRequest;
import dev.leasehold.api.v1.TxnResponse;
import dev.leasehold.store.storage.StateMachine;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/**
 * The public KV API. Writes go through the Raft log on the leader (a follower forwards them); reads are
 * linearizable through a read index unless the client asks for a serializable read from this node's state.
 */
public final class KvService extends KVGrpc.KVImplBase {

    private final StateMachine stateMachine;
    private final Requests requests;

    public KvService(StateMachine stateMachine, Requests requests) {
        this.stateMachine = stateMachine;
        this.requests = requests;
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        requests.write(() -> RequestLimits.check(request), Command.newBuilder().setPut(request).build(),
                PutResponse.class, observer, (channel, relay) -> KVGrpc.newStub(channel).put(request, relay));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> observer) {
        requests.write(() -> RequestLimits.check(request), Command.newBuilder().setDelete(request).build(),
                DeleteResponse.class, observer, (channel, relay) -> KVGrpc.newStub(channel).delete(request, relay));
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        requests.write(() -> RequestLimits.check(request), Command.newBuilder().setTxn(request).build(),
                TxnResponse.class, observer, (channel, relay) -> KVGrpc.newStub(channel).txn(request, relay));
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        requests.read(() -> RequestLimits.check(request), request.getConsistency(), observer, () -> {
            Optional<KeyValue> kv = stateMachine.get(request.getKey());
            GetResponse.Builder b = GetResponse.newBuilder().setHeader(requests.header(stateMachine.revision()))
                    .setFound(kv.isPresent());
            kv.ifPresent(b::setKv);
            return b.build();
        });
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        requests.read(() -> RequestLimits.check(request), request.getConsistency(), observer, () -> {
            int limit = request.getLimit() == 0 ? RequestLimits.MAX_RANGE_LIMIT : (int) request.getLimit();
            RangeResponse r = stateMachine.range(request.getPrefix(), request.getStartAfter(), limit);
            return r.toBuilder().setHeader(requests.header(r.getHeader().getRevision())).build();
        });
    }
}
