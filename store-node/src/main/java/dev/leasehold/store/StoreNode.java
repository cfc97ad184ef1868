package dev.leasehold.store;

import dev.leasehold.api.peer.v1.RaftPeerGrpc;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.RaftConfig;
import dev.leasehold.raft.RaftNode;
import dev.leasehold.store.api.ClusterService;
import dev.leasehold.store.api.Deadlines;
import dev.leasehold.store.api.Requests;
import dev.leasehold.store.api.Forwarding;
import dev.leasehold.store.api.KvService;
import dev.leasehold.store.api.LockService;
import dev.leasehold.store.api.SessionService;
import dev.leasehold.store.session.SessionKeeper;
import dev.leasehold.store.api.LeaderRoute;
import dev.leasehold.store.fault.FaultsService;
import dev.leasehold.store.fault.PeerIsolation;
import dev.leasehold.store.metrics.NodeMetrics;
import dev.leasehold.store.storage.LogStore;
import dev.leasehold.store.storage.RocksLogStore;
import dev.leasehold.store.storage.RocksStateMachine;
import dev.leasehold.store.storage.StateMachine;
import dev.leasehold.store.transport.PeerTransport;
import dev.leasehold.store.transport.RaftPeerService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * One running store node: RocksDB storage, the Raft driver, the peer transport and the public gRPC services on one
 * port, health and metrics.
 */
public final class StoreNode implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StoreNode.class.getName());

    private final NodeConfig config;
    private final RocksLogStore log;
    private final StateMachine stateMachine;
    private final NodeMetrics metrics;
    private final PeerTransport transport;
    private final RaftDriver driver;
    private final Forwarding forwarding;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService executor;
    private final ExecutorService lockPlaces;
    private final Server server;
    private final long commitAtStart;
    private final SessionKeeper keeper;
    private final PeerIsolation isolation = new PeerIsolation();
    /** The addresses peers announce on their message streams; used only for ids the replicated state has none of. */
    private final Map<Long, String> heardFrom = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private StoreNode(NodeConfig config, Consumer<Throwable> onFatal) throws IOException {
        this.config = config;
        Files.createDirectories(config.dataDir());
        examineBeforeWriting(config);
        this.log = RocksLogStore.open(config.dataDir().resolve("raft"));
        StateMachine sm = null;
        try {
            sm = RocksStateMachine.open(config.dataDir().resolve("state"));
            SnapshotFiles snapshots = new SnapshotFiles(config.dataDir());
            bootstrapIfNew(log, config);
            catchUpStateWithLog(log, sm, snapshots, config);
            this.stateMachine = sm;
            this.commitAtStart = log.hardState().commit();
            this.metrics = new NodeMetrics(config.id());
            this.transport = new PeerTransport(config.advertise(), this::addressOf, stateMachine::clusterId, snapshots,
                    isolation);
            RaftConfig raftConfig = RaftConfig.defaults(config.id())
                    .withTicks(config.electionTicks(), config.heartbeatTicks())
                    .withRandomSeed(new SecureRandom().nextLong());
            this.driver = new RaftDriver(raftConfig, log, stateMachine, snapshots, transport, metrics,
                    config.tick().toMillis(), config.snapshotThreshold(), onFatal);
            transport.bind(driver);
            this.forwarding = new Forwarding(config.id());
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "node-" + config.id() + "-timer"));
            this.executor = Executors.newFixedThreadPool(4, r -> daemon(r, "node-" + config.id() + "-requests"));
            LeaderRoute route = new LeaderRoute(driver, this::addressOf, forwarding, isolation);
            Requests requests = new Requests(driver, route, executor, new Deadlines(config.requestTimeout(), scheduler),
                    config.requestTimeout(), stateMachine::clusterId);
            this.keeper = new SessionKeeper(driver, stateMachine, System::nanoTime);
            this.lockPlaces = Executors.newSingleThreadExecutor(r -> daemon(r, "node-" + config.id() + "-lock-places"));
            LockService locks = new LockService(stateMachine, requests, lockPlaces);
            stateMachine.onCoordinationEvents(locks::onEvents);
            Duration electionTimeout = config.tick().multipliedBy(config.electionTicks());
            health.setStatus("", ServingStatus.NOT_SERVING);
            NettyServerBuilder builder = NettyServerBuilder.forAddress(config.listen());
            if (config.faultInjection()) {
                // requests forwarded before the cut would otherwise go on over connections a partition breaks
                isolation.onIsolate(peers -> peers.forEach(p -> addressOf(p).ifPresent(forwarding::disconnect)));
                builder.addService(new FaultsService(config.id(), isolation))
                        .intercept(Forwarding.refusingForwardsFrom(isolation::cuts));
            }
            this.server = builder
                    .maxInboundMessageSize(16 << 20)
                    // peers ping every 10 s to notice a dead connection; the default would answer too_many_pings
                    .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                    // handlers only validate and hand work to the Raft loop, so they run on the network thread;
                    // receiving a snapshot writes files and gets a thread of its own
                    .directExecutor()
                    .callExecutor(new ServerCallExecutorSupplier() {
                        @Override
                        public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
                            return call.getMethodDescriptor().equals(RaftPeerGrpc.getInstallSnapshotMethod())
                                    ? executor : null;
                        }
                    })
                    .addService(new RaftPeerService(driver, snapshots, isolation, heardFrom::put,
                            stateMachine::clusterId).withSenderHeaders())
                    .addService(ServerInterceptors.intercept(
                            new KvService(stateMachine, requests),
                            Forwarding.serverInterceptor()))
                    .addService(ServerInterceptors.intercept(new SessionService(stateMachine, requests, keeper),
                            Forwarding.serverInterceptor()))
                    .addService(ServerInterceptors.intercept(locks, Forwarding.serverInterceptor()))
                    .addService(ServerInterceptors.intercept(
                            new ClusterService(stateMachine, requests, this::addressOf, scheduler, electionTimeout),
                            Forwarding.serverInterceptor()))
                    .addService(health.getHealthService())
                    .build();
        } catch (RuntimeException e) {
            if (sm != null) {
                sm.close();
            }
            log.close();
            throw e;
        }
    }

    /**
     * Opens the data directory and starts serving.
     *
     * @param onFatal called when the node hits an unrecoverable error (storage failure) and stops
     */
    public static StoreNode start(NodeConfig config, Consumer<Throwable> onFatal) throws IOException {
        StoreNode node = new StoreNode(config, onFatal);
        try {
            node.server.start();
        } catch (IOException e) {
            node.close();
            throw new IOException("cannot listen on " + config.listen() + ": " + e.getMessage(), e);
        }
        config.metricsListen().ifPresent(node.metrics::serve);
        node.driver.start();
        long period = config.tick().toMillis();
        node.scheduler.scheduleAtFixedRate(node::updateHealth, period, period, TimeUnit.MILLISECONDS);
        node.scheduler.scheduleAtFixedRate(node.keeper::tick, period, period, TimeUnit.MILLISECONDS);
        ClusterNaming naming = new ClusterNaming(node.driver, node.stateMachine);
        node.scheduler.scheduleAtFixedRate(naming::tick, period, period, TimeUnit.MILLISECONDS);
        LOG.info("node " + config.id() + " serving on " + config.listen() + " (data " + config.dataDir() + ")");
        return node;
    }

    /** The first members write the same first entry: a committed membership at index 1. */
    private static void bootstrapIfNew(RocksLogStore log, NodeConfig config) {
        if (config.join() || log.lastIndex() != 0 || log.hardState().term() != 0 || config.initialMembers().isEmpty()) {
            return;
        }
        log.bootstrap(Membership.ofVoters(config.initialMembers().keySet()));
        LOG.info("bootstrapped a new cluster with members " + config.initialMembers());
    }

    /**
     * Opening RocksDB for writing recovers its write-ahead log, flushes and deletes files: before that, examine an
     * existing store read-only, so that a damaged one is refused while its directory is still as it was.
     */
    private static void examineBeforeWriting(NodeConfig config) {
        Path raft = config.dataDir().resolve("raft");
        if (!Files.exists(raft.resolve("CURRENT")) && !Files.exists(raft.resolve("LEASEHOLD-STORE"))) {
            return; // a new node
        }
        long last;
        try (RocksLogStore log = RocksLogStore.openReadOnly(raft)) {
            last = log.lastIndex();
        }
        OptionalLong applied = RocksStateMachine.appliedIndexOf(config.dataDir().resolve("state"));
        if (applied.isPresent()) {
            refuseStateAheadOfLog(config, applied.getAsLong(), last);
        }
    }

    private static void refuseStateAheadOfLog(NodeConfig config, long applied, long lastIndex) {
        if (applied > lastIndex) {
            throw new IllegalStateException("data directory " + config.dataDir() + " is inconsistent: the state "
                    + "machine has applied up to index " + applied + " but the Raft log ends at " + lastIndex
                    + ", so the log has lost acknowledged entries; the node refuses to start rather than serve or "
                    + "vote without them");
        }
    }

    /**
     * The state machine applies only entries the log holds durably, and is written without fsync (the log is the
     * durable record). So after a power loss it may be behind the log's snapshot, whose entries are gone: restore
     * it from that snapshot's checkpoint. Beyond the log's last entry it can only be if the log lost acknowledged
     * entries: refuse to start. (The commit index is written without fsync, so the state may be ahead of it.)
     */
    private static void catchUpStateWithLog(LogStore log, StateMachine sm, SnapshotFiles snapshots,
                                            NodeConfig config) {
        refuseStateAheadOfLog(config, sm.appliedIndex(), log.lastIndex());
        long snapshotIndex = log.snapshot().index();
        if (sm.appliedIndex() >= snapshotIndex) {
            return;
        }
        var dir = snapshots.find(snapshotIndex).orElseThrow(() -> new IllegalStateException(
                "data directory " + config.dataDir() + " is inconsistent: the state machine has applied up to "
                        + sm.appliedIndex() + " but the log was compacted up to " + snapshotIndex
                        + " and that snapshot's files are missing; the node refuses to start"));
        sm.restore(dir);
    }

    private Optional<String> addressOf(long id) {
        String recorded = stateMachine.memberAddresses().get(id);
        if (recorded != null) {
            return Optional.of(recorded);
        }
        return Optional.ofNullable(config.initialMembers().get(id)).or(() -> Optional.ofNullable(heardFrom.get(id)));
    }

    private void updateHealth() {
        var s = driver.status();
        boolean serving = s.leader() != RaftNode.NONE && stateMachine.appliedIndex() >= commitAtStart;
        health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    public int port() {
        return server.getPort();
    }

    public long id() {
        return config.id();
    }

    public RaftDriver driver() {
        return driver;
    }

    /** The node's replicated state, for tests and tools in this JVM. */
    public StateMachine stateMachine() {
        return stateMachine;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        health.enterTerminalState();
        server.shutdown();
        driver.close();
        transport.close();
        forwarding.close();
        scheduler.shutdownNow();
        try {
            // peers' message streams never end by themselves: give requests in flight a moment, then cut
            server.awaitTermination(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.shutdownNow();
        executor.shutdownNow();
        lockPlaces.shutdownNow();
        metrics.close();
        stateMachine.close();
        log.close();
    }
}
