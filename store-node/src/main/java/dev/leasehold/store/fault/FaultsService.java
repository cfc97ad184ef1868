package dev.leasehold.store.fault;

import dev.leasehold.api.faults.v1.FaultsGrpc;
import dev.leasehold.api.faults.v1.FaultsResponse;
import dev.leasehold.api.faults.v1.HealRequest;
import dev.leasehold.api.faults.v1.IsolateRequest;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.logging.Logger;

/** The test-only {@code Faults} API: switches this node's {@link PeerIsolation}. Served only with --fault-injection. */
public final class FaultsService extends FaultsGrpc.FaultsImplBase {

    private static final Logger LOG = Logger.getLogger(FaultsService.class.getName());

    private final long self;
    private final PeerIsolation isolation;

    public FaultsService(long self, PeerIsolation isolation) {
        this.self = self;
        this.isolation = isolation;
    }

    @Override
    public void isolate(IsolateRequest request, StreamObserver<FaultsResponse> observer) {
        HashSet<Long> peers = new HashSet<>(request.getPeersList());
        peers.remove(self);
        isolation.isolate(peers);
        LOG.warning("fault injection: node " + self + " is cut off from peers " + isolation.peers());
        answer(observer);
    }

    @Override
    public void heal(HealRequest request, StreamObserver<FaultsResponse> observer) {
        isolation.heal();
        LOG.warning("fault injection: node " + self + " is connected to every peer again");
        answer(observer);
    }

    private void answer(StreamObserver<FaultsResponse> observer) {
        observer.onNext(FaultsResponse.newBuilder().addAllIsolatedFrom(isolation.peers()).build());
        observer.onCompleted();
    }
}
