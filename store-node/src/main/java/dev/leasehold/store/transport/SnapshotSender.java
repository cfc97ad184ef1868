package dev.leasehold.store.transport;

import com.google.protobuf.ByteString;
import dev.leasehold.api.peer.v1.InstallSnapshotResult;
import dev.leasehold.api.peer.v1.RaftPeerGrpc;
import dev.leasehold.api.peer.v1.SnapshotChunk;
import dev.leasehold.raft.Message;
import dev.leasehold.store.SnapshotFiles;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/** Streams the files of one snapshot to a follower in chunks, under the follower's flow control. */
final class SnapshotSender {

    private static final Logger LOG = Logger.getLogger(SnapshotSender.class.getName());
    static final int CHUNK_BYTES = 1 << 20;

    private final ManagedChannel channel;
    private final SnapshotFiles snapshots;
    private final Metadata headers;

    SnapshotSender(ManagedChannel channel, SnapshotFiles snapshots, Metadata headers) {
        this.channel = channel;
        this.snapshots = snapshots;
        this.headers = headers;
    }

    /** Returns whether the follower received the whole snapshot. */
    boolean send(Message.InstallSnapshot m) {
        Optional<Path> dir = snapshots.find(m.snapshot().index());
        if (dir.isEmpty()) {
            LOG.info("snapshot " + m.snapshot().index() + " for node " + m.to() + " is gone; the leader will retry");
            return false;
        }
        CompletableFuture<InstallSnapshotResult> result = new CompletableFuture<>();
        Object readyLock = new Object();
        ClientCallStreamObserver<SnapshotChunk>[] holder = new ClientCallStreamObserver[1];
        RaftPeerGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(30, TimeUnit.MINUTES)
                .installSnapshot(new ClientResponseObserver<SnapshotChunk, InstallSnapshotResult>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<SnapshotChunk> requestStream) {
                        holder[0] = requestStream;
                        requestStream.setOnReadyHandler(() -> {
                            synchronized (readyLock) {
                                readyLock.notifyAll();
                            }
                        });
                    }

                    @Override
                    public void onNext(InstallSnapshotResult value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.complete(InstallSnapshotResult.newBuilder().setInstalled(false)
                                .setError("no answer").build());
                    }
                });
        ClientCallStreamObserver<SnapshotChunk> out = holder[0];
        try {
            SnapshotChunk.Builder first = SnapshotChunk.newBuilder().setFrom(m.from()).setTo(m.to()).setTerm(m.term())
                    .setMeta(MessageCodec.encodeMeta(m.snapshot().index(), m.snapshot().term(),
                            m.snapshot().membership()));
            boolean firstSent = false;
            for (Path file : files(dir.get())) {
                String name = dir.get().relativize(file).toString();
                CRC32C crc = new CRC32C();
                long offset = 0;
                byte[] buf = new byte[CHUNK_BYTES];
                try (InputStream in = Files.newInputStream(file)) {
                    while (true) {
                        int n = in.readNBytes(buf, 0, buf.length);
                        crc.update(buf, 0, n);
                        boolean last = n < buf.length;
                        SnapshotChunk.Builder chunk = firstSent ? SnapshotChunk.newBuilder() : first;
                        firstSent = true;
                        chunk.setFile(name).setOffset(offset).setData(ByteString.copyFrom(buf, 0, n))
                                .setLastInFile(last);
                        if (last) {
                            chunk.setFileCrc32C((int) crc.getValue());
                        }
                        awaitReady(out, readyLock, result);
                        out.onNext(chunk.build());
                        offset += n;
                        if (last) {
                            break;
                        }
                    }
                }
            }
            if (!firstSent) {
                out.onNext(first.build());
            }
            out.onCompleted();
            InstallSnapshotResult r = result.get(30, TimeUnit.MINUTES);
            if (!r.getInstalled()) {
                LOG.warning("node " + m.to() + " refused snapshot " + m.snapshot().index() + ": " + r.getError());
            }
            return r.getInstalled();
        } catch (Exception e) {
            out.cancel("snapshot transfer failed", e);
            LOG.log(Level.WARNING, "sending snapshot " + m.snapshot().index() + " to node " + m.to() + " failed", e);
            return false;
        }
    }

    private static void awaitReady(ClientCallStreamObserver<SnapshotChunk> out, Object lock,
                                   CompletableFuture<?> result) throws InterruptedException {
        synchronized (lock) {
            while (!out.isReady() && !result.isDone()) {
                lock.wait(100);
            }
        }
        if (result.isDone() && result.isCompletedExceptionally()) {
            throw new IllegalStateException("the receiver ended the transfer");
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
