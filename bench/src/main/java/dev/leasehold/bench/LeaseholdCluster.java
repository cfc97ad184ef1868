package dev.leasehold.bench;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.AcquireEvent;
import dev.leasehold.api.v1.AcquireRequest;
import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.KVGrpc;
import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.LockGrpc;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.PutResponse;
import dev.leasehold.api.v1.ReleaseRequest;
import dev.leasehold.api.v1.ReleaseResponse;
import dev.leasehold.api.v1.RevokeRequest;
import dev.leasehold.api.v1.RevokeResponse;
import dev.leasehold.api.v1.SessionGrpc;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Three store-node JVMs on 127.0.0.1, bootstrapped from a static peer list; clients talk to the leader. */
final class LeaseholdCluster implements SystemUnderTest {

    private static final String NODE_MAIN = "dev.leasehold.store.StoreNodeMain";

    private record Node(long id, int port, int metricsPort, Path dataDir, Path log) {
        String address() {
            return "127.0.0.1:" + port;
        }
    }

    private final ChildProcesses children;
    private final String javaCommand;
    private final String classPath;
    private final String heap;
    private final List<String> javaOpts;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Long, ManagedChannel> statusChannels = new TreeMap<>();
    private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();
    /** Closes the client connections handed out. */
    private final List<Runnable> closers = new ArrayList<>();
    private long leaderId;

    LeaseholdCluster(ChildProcesses children, Path root, String javaCommand, String classPath, String heap,
                     List<String> javaOpts) {
        this.children = children;
        this.javaCommand = javaCommand;
        this.classPath = classPath;
        this.heap = heap;
        this.javaOpts = javaOpts;
        int[] ports = FreePorts.take(6);
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node(i + 1, ports[2 * i], ports[2 * i + 1], root.resolve("node-" + (i + 1)),
                    root.resolve("node-" + (i + 1) + ".log")));
        }
    }

    @Override
    public String name() {
        return "Leasehold";
    }

    @Override
    public void start() {
        String peers = nodes.stream().map(n -> n.id() + "=" + n.address()).collect(Collectors.joining(","));
        for (Node n : nodes) {
            try {
                Files.createDirectories(n.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            List<String> command = new ArrayList<>(List.of(javaCommand, "-Xmx" + heap));
            for (String opt : javaOpts) {
                command.add(opt.replace("{id}", Long.toString(n.id())));
            }
            command.addAll(List.of("-cp", classPath, NODE_MAIN,
                    "--id", Long.toString(n.id()),
                    "--listen", n.address(),
                    "--peers", peers,
                    "--data-dir", n.dataDir().toString(),
                    "--metrics-listen", "127.0.0.1:" + n.metricsPort()));
            Process p = children.start("leasehold node " + n.id(), command, n.log());
            processes.put("node " + n.id(), p.toHandle());
            statusChannels.put(n.id(), channel(n.port()));
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build();
    }

    @Override
    public String awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            children.checkAlive();
            Map<Long, StatusResponse> statuses = statuses();
            last = describe(statuses);
            if (statuses.size() == nodes.size()) {
                long leader = statuses.values().iterator().next().getLeader();
                // a new cluster grants sessions once its first leader has named it
                boolean agreed = leader != 0 && statuses.values().stream().allMatch(s -> s.getLeader() == leader)
                        && "LEADER".equals(statuses.get(leader).getRole())
                        && !statuses.get(leader).getClusterId().isEmpty();
                if (agreed) {
                    leaderId = leader;
                    return "node " + leader;
                }
            }
            sleep(100);
        }
        throw new IllegalStateException("Leasehold elected no leader within " + timeout + ": " + last);
    }

    private Map<Long, StatusResponse> statuses() {
        Map<Long, StatusResponse> out = new TreeMap<>();
        for (Map.Entry<Long, ManagedChannel> e : statusChannels.entrySet()) {
            try {
                out.put(e.getKey(), ClusterGrpc.newBlockingStub(e.getValue()).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance()));
            } catch (RuntimeException ignored) {
                // not up yet, or busy: asked again
            }
        }
        return out;
    }

    private static String describe(Map<Long, StatusResponse> statuses) {
        return statuses.values().stream().map(s -> "node " + s.getId() + " " + s.getRole() + " term " + s.getTerm()
                + " leader " + s.getLeader()).collect(Collectors.joining("; "));
    }

    @Override
    public String currentLeader() {
        Map<Long, StatusResponse> statuses = statuses();
        if (statuses.size() == nodes.size()
                && statuses.values().stream().allMatch(s -> s.getLeader() == statuses.get(1L).getLeader())) {
            return "node " + statuses.get(1L).getLeader();
        }
        return describe(statuses);
    }

    @Override
    public String leaderMember() {
        return "node " + leaderId;
    }

    @Override
    public KvDriver connect(BenchKeys keys) {
        Node leader = nodes.get((int) leaderId - 1);
        KvDriver d = new Driver(channel(leader.port()), keys);
        closers.add(d::close);
        return d;
    }

    @Override
    public LockDriver connectLocks() {
        Node leader = nodes.get((int) leaderId - 1);
        LockDriver d = new Locks(channel(leader.port()));
        closers.add(d::close);
        return d;
    }

    @Override
    public Map<String, String> scrape() {
        Map<String, String> pages = new LinkedHashMap<>();
        Node leader = nodes.get((int) leaderId - 1);
        pages.put("node " + leader.id(), Http.get("http://127.0.0.1:" + leader.metricsPort() + "/metrics"));
        for (Node n : nodes) {
            if (n != leader) {
                pages.put("node " + n.id(), Http.get("http://127.0.0.1:" + n.metricsPort() + "/metrics"));
            }
        }
        return pages;
    }

    @Override
    public Map<String, ProcessHandle> processes() {
        return processes;
    }

    @Override
    public String fsyncHistogram() {
        return "leasehold_fsync_latency_seconds";
    }

    @Override
    public List<String[]> extraHistograms() {
        return List.<String[]>of(new String[] {"leasehold_proposal_latency_seconds", "proposal → applied (leader)"});
    }

    @Override
    public void close() {
        closers.forEach(Runnable::run);
        statusChannels.values().forEach(ManagedChannel::shutdownNow);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Completes {@code f} with the answer of a unary call. */
    private static <T> StreamObserver<T> observer(CompletableFuture<T> f) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                // the unary answer came in onNext
            }
        };
    }

    /** The Leasehold gRPC API with the stubs generated from store-api (grpc-netty-shaded, protobuf 4). */
    private static final class Driver implements KvDriver {

        private final ManagedChannel channel;
        private final KVGrpc.KVStub stub;
        private final ByteString[] keys;
        private final ByteString value;

        Driver(ManagedChannel channel, BenchKeys keys) {
            this.channel = channel;
            this.stub = KVGrpc.newStub(channel);
            this.keys = new ByteString[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                this.keys[i] = ByteString.copyFrom(keys.keys[i]);
            }
            this.value = ByteString.copyFrom(keys.value);
        }

        @Override
        public CompletableFuture<?> put(int key) {
            CompletableFuture<PutResponse> f = new CompletableFuture<>();
            stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(keys[key]).setValue(value).build(), observer(f));
            return f;
        }

        @Override
        public CompletableFuture<?> get(int key) {
            CompletableFuture<GetResponse> f = new CompletableFuture<>();
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).get(GetRequest.newBuilder().setKey(keys[key])
                    .setConsistency(Consistency.LINEARIZABLE).build(), observer(f));
            return f.thenApply(check(r -> r.getFound() && r.getKv().getValue().size() == value.size(), key));
        }

        private <T> Function<T, T> check(java.util.function.Predicate<T> ok, int key) {
            return r -> {
                if (!ok.test(r)) {
                    throw new IllegalStateException("key " + key + " missing or wrong");
                }
                return r;
            };
        }

        @Override
        public void close() {
            channel.shutdownNow();
        }
    }

    /**
     * Leasehold's Session and Lock services through the generated stubs: each user has its own session, kept alive
     * on its own KeepAlive stream every third of the TTL; a lock is {@code Acquire} (the blocking call: the
     * server stream ends with {@code granted}) and then {@code Release} with the token, each call with a fresh
     * invocation id.
     */
    private static final class Locks implements LockDriver {

        private final ManagedChannel channel;
        private final SessionGrpc.SessionStub sessions;
        private final LockGrpc.LockStub locks;
        private final ScheduledExecutorService keepAlives = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leasehold-keep-alive");
            t.setDaemon(true);
            return t;
        });

        Locks(ManagedChannel channel) {
            this.channel = channel;
            this.sessions = SessionGrpc.newStub(channel);
            this.locks = LockGrpc.newStub(channel);
        }

        @Override
        public LockUser user() {
            CompletableFuture<GrantResponse> granted = new CompletableFuture<>();
            sessions.withDeadlineAfter(Workloads.OP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .grant(GrantRequest.newBuilder().setTtlMillis(LockDriver.TTL.toMillis()).build(),
                            observer(granted));
            return new User(Workloads.await(granted).getSessionId());
        }

        private final class User implements LockUser {
            private final long session;
            private final AtomicLong invocations = new AtomicLong();
            private final AtomicLong sequence = new AtomicLong();
            private final StreamObserver<KeepAliveRequest> keepAliveStream;
            private final ScheduledFuture<?> keepAliveTask;

            User(long session) {
                this.session = session;
                this.keepAliveStream = sessions.keepAlive(new StreamObserver<>() {
                    @Override
                    public void onNext(KeepAliveResponse r) {
                        if (r.getResult() != KeepAliveResponse.Result.ALIVE) {
                            BenchMain.log("session " + session + ": keep-alive answered " + r.getResult());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the stream ends when the user closes; a lost session shows as failed lock calls
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
                long every = LockDriver.TTL.toMillis() / 3;
                this.keepAliveTask = keepAlives.scheduleAtFixedRate(this::keepAlive, every, every,
                        TimeUnit.MILLISECONDS);
            }

            private synchronized void keepAlive() {
                keepAliveStream.onNext(KeepAliveRequest.newBuilder().setSessionId(session)
                        .setSequence(sequence.incrementAndGet()).build());
            }

            @Override
            public CompletableFuture<Held> acquire(String lock) {
                CompletableFuture<Held> held = new CompletableFuture<>();
                locks.withDeadlineAfter(Workloads.OP_TIMEOUT_SECONDS, TimeUnit.SECONDS).acquire(
                        AcquireRequest.newBuilder().setName(lock).setSessionId(session)
                                .setInvocationId(invocations.incrementAndGet()).build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(AcquireEvent event) {
                                if (event.hasGranted()) {
                                    long token = event.getGranted().getToken();
                                    held.complete(new Held(token, () -> release(lock, token)));
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                held.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                held.completeExceptionally(new IllegalStateException(
                                        "the acquire of " + lock + " ended without a grant"));
                            }
                        });
                return held;
            }

            private CompletableFuture<?> release(String lock, long token) {
                CompletableFuture<ReleaseResponse> released = new CompletableFuture<>();
                locks.withDeadlineAfter(Workloads.OP_TIMEOUT_SECONDS, TimeUnit.SECONDS).release(
                        ReleaseRequest.newBuilder().setName(lock).setSessionId(session).setToken(token)
                                .setInvocationId(invocations.incrementAndGet()).build(), observer(released));
                return released.thenApply(r -> {
                    if (!r.getReleased()) {
                        throw new IllegalStateException("session " + session + " did not hold " + lock
                                + " with token " + token);
                    }
                    return r;
                });
            }

            /** Revokes the session (which frees anything it still holds) and ends its keep-alive stream. */
            @Override
            public void close() {
                keepAliveTask.cancel(false);
                synchronized (this) {
                    keepAliveStream.onCompleted();
                }
                CompletableFuture<RevokeResponse> revoked = new CompletableFuture<>();
                sessions.withDeadlineAfter(Workloads.OP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .revoke(RevokeRequest.newBuilder().setSessionId(session).build(), observer(revoked));
                Workloads.await(revoked);
            }
        }

        @Override
        public void close() {
            keepAlives.shutdownNow();
            channel.shutdownNow();
        }
    }
}
