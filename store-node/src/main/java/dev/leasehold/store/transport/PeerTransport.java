package dev.leasehold.store.transport;

import dev.leasehold.api.peer.v1.RaftMessage;
import dev.leasehold.api.peer.v1.RaftPeerGrpc;
import dev.leasehold.api.peer.v1.SendSummary;
import dev.leasehold.raft.Message;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.SnapshotFiles;
import dev.leasehold.store.fault.PeerIsolation;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends Raft messages to peers: one long-lived gRPC stream per peer, written in order and as fast as the peer's
 * flow control allows (pipelining). A stream that breaks is reported to the core as unreachable and reopened on
 * the next message; messages queued beyond a bound are dropped, which Raft tolerates. Snapshots go through
 * {@link SnapshotSender}. Messages to a peer that fault injection cut this node off from are dropped, as a
 * partition would lose them.
 */
public final class PeerTransport implements RaftDriver.Outbox, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PeerTransport.class.getName());
    private static final int MAX_QUEUED = 4096;

    /**
     * The sender's own address on every message stream, so that a node that knows no address of its peers yet
     * (one waiting to be bootstrapped or added, with no peer list) can answer the leader that reaches it first.
     */
    public static final Metadata.Key<String> SENDER_ADDRESS =
            Metadata.Key.of("leasehold-peer-address", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The cluster id of the sender, on every message stream and snapshot once the sender knows it: a node of
     * another cluster refuses the stream (DESIGN.md: peers reject another {@code clusterId}).
     */
    public static final Metadata.Key<String> SENDER_CLUSTER_ID =
            Metadata.Key.of("leasehold-cluster-id", Metadata.ASCII_STRING_MARSHALLER);

    private final LongFunction<Optional<String>> addressOf;
    private final String advertise;
    private final Supplier<String> clusterId;
    private final SnapshotFiles snapshots;
    private final PeerIsolation isolation;
    private final ConcurrentHashMap<Long, PeerLink> links = new ConcurrentHashMap<>();
    private final ExecutorService snapshotSenders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "snapshot-sender");
        t.setDaemon(true);
        return t;
    });
    private volatile RaftDriver driver;

    /**
     * @param advertise this node's own address, sent to every peer
     * @param addressOf the current gRPC address of a peer id, if known
     * @param clusterId this node's cluster id, empty until it has one
     */
    public PeerTransport(String advertise, LongFunction<Optional<String>> addressOf, Supplier<String> clusterId,
                         SnapshotFiles snapshots, PeerIsolation isolation) {
        this.advertise = advertise;
        this.clusterId = clusterId;
        this.addressOf = addressOf;
        this.snapshots = snapshots;
        this.isolation = isolation;
    }

    /** The headers that introduce this node to a peer: its address and, once it has one, its cluster id. */
    private Metadata senderHeaders() {
        Metadata headers = new Metadata();
        headers.put(SENDER_ADDRESS, advertise);
        String id = clusterId.get();
        if (!id.isEmpty()) {
            headers.put(SENDER_CLUSTER_ID, id);
        }
        return headers;
    }

    public void bind(RaftDriver raftDriver) {
        this.driver = raftDriver;
    }

    @Override
    public void send(Message m) {
        if (isolation.cuts(m.to())) {
            if (m instanceof Message.InstallSnapshot) {
                driver.reportSnapshot(m.to(), false);
            }
            return;
        }
        if (m instanceof Message.InstallSnapshot s) {
            Optional<ManagedChannel> channel = link(m.to()).flatMap(PeerLink::channel);
            if (channel.isEmpty()) {
                driver.reportSnapshot(m.to(), false);
                return;
            }
            snapshotSenders.execute(() -> {
                boolean ok = new SnapshotSender(channel.get(), snapshots, senderHeaders()).send(s);
                driver.reportSnapshot(m.to(), ok);
            });
            return;
        }
        Optional<PeerLink> link = link(m.to());
        if (link.isEmpty()) {
            driver.reportUnreachable(m.to());
            return;
        }
        link.get().enqueue(MessageCodec.encode(m));
    }

    private Optional<PeerLink> link(long peer) {
        Optional<String> address = addressOf.apply(peer);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        PeerLink link = links.compute(peer, (id, existing) -> {
            if (existing != null && existing.address.equals(address.get())) {
                return existing;
            }
            if (existing != null) {
                existing.close();
            }
            return new PeerLink(id, address.get());
        });
        return Optional.of(link);
    }

    @Override
    public void close() {
        links.values().forEach(PeerLink::close);
        links.clear();
        snapshotSenders.shutdownNow();
    }

    /** The ordered stream of messages to one peer. */
    private final class PeerLink {
        final long peer;
        final String address;
        private final ManagedChannel channel;
        private final ArrayDeque<RaftMessage> queue = new ArrayDeque<>();
        private ClientCallStreamObserver<RaftMessage> stream;
        private boolean closed;

        PeerLink(long peer, String address) {
            this.peer = peer;
            this.address = address;
            this.channel = NettyChannelBuilder.forTarget(address).usePlaintext()
                    .maxInboundMessageSize(64 << 20)
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS)
                    .build();
        }

        Optional<ManagedChannel> channel() {
            return closed ? Optional.empty() : Optional.of(channel);
        }

        synchronized void enqueue(RaftMessage m) {
            if (closed) {
                return;
            }
            if (queue.size() >= MAX_QUEUED) {
                queue.clear(); // the peer is too slow or away: drop, Raft will resend
                driver.reportUnreachable(peer);
            }
            queue.addLast(m);
            if (stream == null) {
                open();
            }
            drain();
        }

        private void open() {
            RaftPeerGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(senderHeaders()))
                    .send(new ClientResponseObserver<RaftMessage, SendSummary>() {
                private ClientCallStreamObserver<RaftMessage> mine;

                @Override
                public void beforeStart(ClientCallStreamObserver<RaftMessage> requestStream) {
                    synchronized (PeerLink.this) {
                        mine = requestStream;
                        stream = requestStream;
                    }
                    requestStream.setOnReadyHandler(PeerLink.this::drain);
                }

                @Override
                public void onNext(SendSummary value) {
                }

                @Override
                public void onError(Throwable t) {
                    broken(mine, t);
                }

                @Override
                public void onCompleted() {
                    broken(mine, null);
                }
            });
        }

        private synchronized void drain() {
            while (stream != null && stream.isReady() && !queue.isEmpty()) {
                stream.onNext(queue.pollFirst());
            }
        }

        private void broken(ClientCallStreamObserver<RaftMessage> which, Throwable cause) {
            synchronized (this) {
                if (stream != which) {
                    return; // an older stream that was already replaced
                }
                stream = null;
                queue.clear();
            }
            if (cause != null && !closed) {
                LOG.log(Level.FINE, "stream to peer " + peer + " at " + address + " broke", cause);
            }
            if (!closed) {
                driver.reportUnreachable(peer);
            }
        }

        void close() {
            synchronized (this) {
                closed = true;
                if (stream != null) {
                    stream.onCompleted();
                    stream = null;
                }
                queue.clear();
            }
            channel.shutdownNow();
        }
    }
}
