package dev.leasehold.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Three etcd processes on 127.0.0.1 (Debian's etcd-server), with etcd's defaults otherwise: fsync on, heartbeat
 * 100 ms, election timeout 1 s (the same timing as Leasehold's defaults). jetcd is the client.
 */
final class EtcdCluster implements SystemUnderTest {

    private record Member(String name, int clientPort, int peerPort, Path dataDir, Path log) {
        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private final ChildProcesses children;
    private final String etcdCommand;
    private final String version;
    private final List<Member> members = new ArrayList<>();
    private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();
    private final List<Client> clients = new ArrayList<>();
    private Client statusClient;
    private Member leader;

    EtcdCluster(ChildProcesses children, Path root, String etcdCommand, String version) {
        this.children = children;
        this.etcdCommand = etcdCommand;
        this.version = version;
        int[] ports = FreePorts.take(6);
        for (int i = 0; i < 3; i++) {
            String name = "etcd-" + (i + 1);
            members.add(new Member(name, ports[2 * i], ports[2 * i + 1], root.resolve(name),
                    root.resolve(name + ".log")));
        }
    }

    @Override
    public String name() {
        return "etcd " + version;
    }

    @Override
    public void start() {
        String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        String token = "leasehold-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        for (Member m : members) {
            // etcd creates --data-dir itself (mode 0700); every other setting is etcd's default.
            Process p = children.start(m.name(), List.of(etcdCommand,
                    "--name", m.name(),
                    "--data-dir", m.dataDir().toString(),
                    "--listen-client-urls", m.clientUrl(),
                    "--advertise-client-urls", m.clientUrl(),
                    "--listen-peer-urls", m.peerUrl(),
                    "--initial-advertise-peer-urls", m.peerUrl(),
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    "--logger", "zap",
                    "--log-outputs", "stderr"), m.log());
            processes.put(m.name(), p.toHandle());
        }
        statusClient = Client.builder().endpoints(members.stream().map(Member::clientUrl).toArray(String[]::new))
                .build();
        clients.add(statusClient);
    }

    private Map<Member, StatusResponse> statuses() {
        Map<Member, StatusResponse> out = new LinkedHashMap<>();
        for (Member m : members) {
            try {
                out.put(m, statusClient.getMaintenanceClient().statusMember("127.0.0.1:" + m.clientPort())
                        .get(2, TimeUnit.SECONDS));
            } catch (Exception ignored) {
                // not up yet: asked again
            }
        }
        return out;
    }

    private static String describe(Map<Member, StatusResponse> statuses) {
        return statuses.entrySet().stream().map(e -> e.getKey().name() + " (id " + Long.toHexString(
                e.getValue().getHeader().getMemberId()) + ") leader " + Long.toHexString(e.getValue().getLeader()))
                .collect(Collectors.joining("; "));
    }

    @Override
    public String awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            children.checkAlive();
            Map<Member, StatusResponse> statuses = statuses();
            last = describe(statuses);
            Member agreed = agreedLeader(statuses);
            if (agreed != null) {
                leader = agreed;
                return agreed.name();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("etcd elected no leader within " + timeout + ": " + last);
    }

    private Member agreedLeader(Map<Member, StatusResponse> statuses) {
        if (statuses.size() != members.size()) {
            return null;
        }
        long id = statuses.values().iterator().next().getLeader();
        if (id == 0 || !statuses.values().stream().allMatch(s -> s.getLeader() == id)) {
            return null;
        }
        return statuses.entrySet().stream().filter(e -> e.getValue().getHeader().getMemberId() == id)
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    @Override
    public String currentLeader() {
        Map<Member, StatusResponse> statuses = statuses();
        Member agreed = agreedLeader(statuses);
        return agreed != null ? agreed.name() : describe(statuses);
    }

    @Override
    public String leaderMember() {
        return leader.name();
    }

    @Override
    public KvDriver connect(BenchKeys keys) {
        Client client = Client.builder().endpoints(leader.clientUrl()).build();
        clients.add(client);
        return new Driver(client.getKVClient(), keys);
    }

    @Override
    public LockDriver connectLocks() {
        Client client = Client.builder().endpoints(leader.clientUrl()).build();
        clients.add(client);
        return new Locks(client);
    }

    @Override
    public Map<String, String> scrape() {
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put(leader.name(), Http.get(leader.clientUrl() + "/metrics"));
        for (Member m : members) {
            if (m != leader) {
                pages.put(m.name(), Http.get(m.clientUrl() + "/metrics"));
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
        return "etcd_disk_wal_fsync_duration_seconds";
    }

    @Override
    public List<String[]> extraHistograms() {
        return List.<String[]>of(new String[] {"etcd_disk_backend_commit_duration_seconds", "backend (bbolt) commit (leader)"});
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }

    /** jetcd 0.8.7 (vertx-grpc over netty 4.2, its own protobuf stubs). Gets are linearizable (etcd's default). */
    private static final class Driver implements KvDriver {

        private final KV kv;
        private final ByteSequence[] keys;
        private final ByteSequence value;

        Driver(KV kv, BenchKeys keys) {
            this.kv = kv;
            this.keys = new ByteSequence[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                this.keys[i] = ByteSequence.from(keys.keys[i]);
            }
            this.value = ByteSequence.from(keys.value);
        }

        @Override
        public CompletableFuture<?> put(int key) {
            return kv.put(keys[key], value);
        }

        @Override
        public CompletableFuture<?> get(int key) {
            return kv.get(keys[key]).thenApply((GetResponse r) -> {
                if (r.getCount() != 1 || r.getKvs().get(0).getValue().size() != value.size()) {
                    throw new IllegalStateException("key " + key + " missing or wrong");
                }
                return r;
            });
        }

        @Override
        public void close() {
            kv.close();
        }
    }

    /**
     * etcd's Lock service through jetcd, as an etcd user takes a lock: each user grants a lease and keeps it alive
     * with jetcd's {@code keepAlive} (jetcd renews at a third of the TTL); a lock is {@code lock(name, lease)}
     * (blocking until granted) and then {@code unlock(key)} with the key the grant named.
     */
    private static final class Locks implements LockDriver {

        private final Lease leases;
        private final Lock locks;

        Locks(Client client) {
            this.leases = client.getLeaseClient();
            this.locks = client.getLockClient();
        }

        @Override
        public LockUser user() {
            long lease = Workloads.await(leases.grant(LockDriver.TTL.toSeconds())).getID();
            CloseableClient keepAlive = leases.keepAlive(lease, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                }

                @Override
                public void onError(Throwable t) {
                    BenchMain.log("lease " + Long.toHexString(lease) + ": keep-alive failed: " + t);
                }

                @Override
                public void onCompleted() {
                }
            });
            return new LockUser() {
                @Override
                public CompletableFuture<Held> acquire(String lock) {
                    return locks.lock(ByteSequence.from(lock, StandardCharsets.UTF_8), lease).thenApply(r ->
                            new Held(r.getHeader().getRevision(), () -> locks.unlock(r.getKey())));
                }

                /** Stops the keep-alives and revokes the lease, which deletes any lock key it still owns. */
                @Override
                public void close() {
                    keepAlive.close();
                    Workloads.await(leases.revoke(lease));
                }
            };
        }

        @Override
        public void close() {
            leases.close();
            locks.close();
        }
    }
}
