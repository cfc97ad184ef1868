package dev.leasehold.store.metrics;

import com.sun.net.httpserver.HttpServer;
import dev.leasehold.raft.RaftStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The node's Prometheus metrics, served over HTTP at {@code /metrics}. */
public final class NodeMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong term = new AtomicLong();
    private final AtomicLong role = new AtomicLong();
    private final AtomicLong commitIndex = new AtomicLong();
    private final AtomicLong appliedIndex = new AtomicLong();
    private final AtomicLong lastIndex = new AtomicLong();
    private final Counter leaderChanges;
    private final Counter snapshotsCreated;
    private final Counter snapshotsInstalled;
    private final Timer proposalLatency;
    private final Timer fsyncLatency;
    private HttpServer server;

    public NodeMetrics(long nodeId) {
        registry.config().commonTags("node", Long.toString(nodeId));
        Gauge.builder("leasehold_raft_term", term, AtomicLong::get).description("current Raft term")
                .register(registry);
        Gauge.builder("leasehold_raft_role", role, AtomicLong::get)
                .description("0 follower, 1 pre-candidate, 2 candidate, 3 leader").register(registry);
        Gauge.builder("leasehold_raft_commit_index", commitIndex, AtomicLong::get).register(registry);
        Gauge.builder("leasehold_raft_applied_index", appliedIndex, AtomicLong::get).register(registry);
        Gauge.builder("leasehold_raft_last_index", lastIndex, AtomicLong::get).register(registry);
        leaderChanges = Counter.builder("leasehold_raft_leader_changes").description("changes of known leader")
                .register(registry);
        snapshotsCreated = Counter.builder("leasehold_snapshots_taken").register(registry);
        snapshotsInstalled = Counter.builder("leasehold_snapshots_installed").register(registry);
        proposalLatency = Timer.builder("leasehold_proposal_latency")
                .description("from proposal to applied, on the leader").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        fsyncLatency = Timer.builder("leasehold_fsync_latency").description("one synced write of a Ready")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
    }

    /** Starts the HTTP endpoint. */
    public void serve(InetSocketAddress address) {
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for metrics on " + address, e);
        }
        server.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** The port the endpoint listens on, once serving. */
    public int port() {
        return server.getAddress().getPort();
    }

    public String scrape() {
        return registry.scrape();
    }

    public void observe(RaftStatus status, long applied) {
        term.set(status.term());
        role.set(status.role().ordinal());
        commitIndex.set(status.commit());
        lastIndex.set(status.lastIndex());
        appliedIndex.set(applied);
    }

    public void leaderChanged() {
        leaderChanges.increment();
    }

    public void snapshotCreated() {
        snapshotsCreated.increment();
    }

    public void snapshotInstalled() {
        snapshotsInstalled.increment();
    }

    public void proposalApplied(long nanos) {
        proposalLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void fsync(long nanos) {
        fsyncLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        registry.close();
    }
}
