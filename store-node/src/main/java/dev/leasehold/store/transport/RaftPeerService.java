package dev.leasehold.store.transport;

import dev.leasehold.api.peer.v1.InstallSnapshotResult;
import dev.leasehold.api.peer.v1.RaftMessage;
import dev.leasehold.api.peer.v1.RaftPeerGrpc;
import dev.leasehold.api.peer.v1.SendSummary;
import dev.leasehold.api.peer.v1.SnapshotChunk;
import dev.leasehold.api.peer.v1.SnapshotMeta;
import dev.leasehold.raft.Message;
import dev.leasehold.raft.Snapshot;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.SnapshotFiles;
import dev.leasehold.store.fault.PeerIsolation;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * Receives Raft messages and snapshots from peers and hands them to the driver; drops those from a peer that
 * fault injection cut this node off from.
 */
public final class RaftPeerService extends RaftPeerGrpc.RaftPeerImplBase {

    private static final Logger LOG = Logger.getLogger(RaftPeerService.class.getName());

    private static final Context.Key<String> SENDER_ADDRESS = Context.key("leasehold-peer-address");
    private static final Context.Key<String> SENDER_CLUSTER_ID = Context.key("leasehold-cluster-id");

    private final RaftDriver driver;
    private final SnapshotFiles snapshots;
    private final PeerIsolation isolation;
    private final BiConsumer<Long, String> heardFrom;
    private final Supplier<String> clusterId;
    private final Set<String> warnedOf = ConcurrentHashMap.newKeySet();

    /**
     * @param heardFrom told the id and address of every peer whose message stream opens here
     * @param clusterId this node's cluster id, empty until it has one
     */
    public RaftPeerService(RaftDriver driver, SnapshotFiles snapshots, PeerIsolation isolation,
                           BiConsumer<Long, String> heardFrom, Supplier<String> clusterId) {
        this.driver = driver;
        this.clusterId = clusterId;
        this.snapshots = snapshots;
        this.isolation = isolation;
        this.heardFrom = heardFrom;
    }

    /**
     * This service behind the interceptor that reads the sender's address and cluster id
     * ({@link PeerTransport#SENDER_ADDRESS}, {@link PeerTransport#SENDER_CLUSTER_ID}).
     */
    public ServerServiceDefinition withSenderHeaders() {
        return ServerInterceptors.intercept(this, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                Context context = Context.current()
                        .withValue(SENDER_ADDRESS, headers.get(PeerTransport.SENDER_ADDRESS))
                        .withValue(SENDER_CLUSTER_ID, headers.get(PeerTransport.SENDER_CLUSTER_ID));
                return Contexts.interceptCall(context, call, headers, next);
            }
        });
    }

    /**
     * Why a peer of the sender's cluster id may not talk to this node: both know their cluster's id and the ids
     * differ (a node added to another cluster by mistake, or a reused address). Empty when it may.
     */
    private Optional<String> foreign(String senderClusterId) {
        String own = clusterId.get();
        if (senderClusterId == null || senderClusterId.isEmpty() || own.isEmpty() || own.equals(senderClusterId)) {
            return Optional.empty();
        }
        return Optional.of("this node belongs to store cluster " + own + ", the sender to " + senderClusterId);
    }

    @Override
    public StreamObserver<RaftMessage> send(StreamObserver<SendSummary> response) {
        String senderAddress = SENDER_ADDRESS.get();
        String senderClusterId = SENDER_CLUSTER_ID.get();
        return new StreamObserver<>() {
            private long received;
            private boolean refused;

            @Override
            public void onNext(RaftMessage m) {
                received++;
                if (refused) {
                    return;
                }
                Optional<String> foreign = foreign(senderClusterId);
                if (foreign.isPresent()) {
                    refused = true;
                    if (warnedOf.add(senderClusterId)) {
                        LOG.warning("refusing the messages of node " + m.getFrom() + " at " + senderAddress + ": "
                                + foreign.get() + " (said once per foreign cluster)");
                    }
                    response.onError(Status.FAILED_PRECONDITION.withDescription(foreign.get()).asRuntimeException());
                    return;
                }
                if (m.getTo() != driver.id() || isolation.cuts(m.getFrom())) {
                    return; // meant for another incarnation at this address, or cut off by fault injection
                }
                if (received == 1 && senderAddress != null && m.getFrom() != driver.id()) {
                    heardFrom.accept(m.getFrom(), senderAddress);
                }
                try {
                    driver.step(MessageCodec.decode(m));
                } catch (IllegalArgumentException e) {
                    LOG.warning("dropping a malformed message from node " + m.getFrom() + ": " + e.getMessage());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!refused) {
                    response.onNext(SendSummary.newBuilder().setReceived(received).build());
                    response.onCompleted();
                }
            }
        };
    }

    @Override
    public StreamObserver<SnapshotChunk> installSnapshot(StreamObserver<InstallSnapshotResult> response) {
        return new SnapshotReceiver(response, SENDER_CLUSTER_ID.get());
    }

    /** Writes the chunks of one snapshot into a fresh directory and checks every file's CRC. */
    private final class SnapshotReceiver implements StreamObserver<SnapshotChunk> {
        private final StreamObserver<InstallSnapshotResult> response;
        private SnapshotChunk first;
        private Path dir;
        private FileChannel file;
        private String fileName;
        private long written;
        private CRC32C crc;
        private boolean failed;
        private final String senderClusterId;

        SnapshotReceiver(StreamObserver<InstallSnapshotResult> response, String senderClusterId) {
            this.response = response;
            this.senderClusterId = senderClusterId;
        }

        @Override
        public void onNext(SnapshotChunk chunk) {
            if (failed) {
                return;
            }
            try {
                if (first == null) {
                    if (!chunk.hasMeta() || chunk.getTo() != driver.id()) {
                        throw new IOException("the first chunk must carry the snapshot metadata for node "
                                + driver.id());
                    }
                    if (isolation.cuts(chunk.getFrom())) {
                        throw new IOException("cut off from node " + chunk.getFrom() + " (fault injection)");
                    }
                    Optional<String> foreign = foreign(senderClusterId);
                    if (foreign.isPresent()) {
                        throw new IOException(foreign.get());
                    }
                    first = chunk;
                    dir = snapshots.newIncoming(chunk.getMeta().getIndex());
                }
                if (!chunk.getFile().isEmpty()) {
                    write(chunk);
                }
            } catch (IOException | RuntimeException e) {
                fail(e.getMessage());
            }
        }

        private void write(SnapshotChunk chunk) throws IOException {
            if (file == null) {
                Path target = dir.resolve(chunk.getFile()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("file name " + chunk.getFile() + " leaves the snapshot directory");
                }
                java.nio.file.Files.createDirectories(target.getParent());
                file = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                fileName = chunk.getFile();
                written = 0;
                crc = new CRC32C();
            }
            if (!chunk.getFile().equals(fileName) || chunk.getOffset() != written) {
                throw new IOException("chunk of " + chunk.getFile() + " at " + chunk.getOffset()
                        + " out of order (expected " + fileName + " at " + written + ")");
            }
            var data = chunk.getData().asReadOnlyByteBuffer();
            crc.update(chunk.getData().asReadOnlyByteBuffer());
            while (data.hasRemaining()) {
                written += file.write(data);
            }
            if (chunk.getLastInFile()) {
                file.force(true);
                file.close();
                file = null;
                if ((int) crc.getValue() != chunk.getFileCrc32C()) {
                    throw new IOException("file " + fileName + " arrived corrupted (CRC mismatch)");
                }
            }
        }

        private void fail(String why) {
            failed = true;
            LOG.warning("receiving a snapshot failed: " + why);
            closeFile();
            if (dir != null) {
                snapshots.delete(dir);
            }
            response.onNext(InstallSnapshotResult.newBuilder().setInstalled(false).setError(why).build());
            response.onCompleted();
        }

        private void closeFile() {
            if (file != null) {
                try {
                    file.close();
                } catch (IOException e) {
                    LOG.log(Level.FINE, "closing a partial snapshot file", e);
                }
                file = null;
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!failed) {
                failed = true;
                closeFile();
                if (dir != null) {
                    snapshots.delete(dir);
                }
            }
        }

        @Override
        public void onCompleted() {
            if (failed) {
                return;
            }
            if (first == null || file != null) {
                fail(first == null ? "empty snapshot stream" : "file " + fileName + " ended early");
                return;
            }
            SnapshotMeta meta = first.getMeta();
            Snapshot snapshot = new Snapshot(meta.getIndex(), meta.getTerm(),
                    MessageCodec.decodeMembership(meta.getMembership()),
                    dir.toString().getBytes(StandardCharsets.UTF_8));
            driver.step(new Message.InstallSnapshot(first.getFrom(), first.getTo(), first.getTerm(), snapshot));
            response.onNext(InstallSnapshotResult.newBuilder().setInstalled(true).build());
            response.onCompleted();
        }
    }

}
