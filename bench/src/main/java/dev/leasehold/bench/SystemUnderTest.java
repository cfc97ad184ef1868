package dev.leasehold.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A 3-member cluster the benchmark starts, loads and stops. */
interface SystemUnderTest extends AutoCloseable {

    /** A short name for the table, such as "Leasehold" or "etcd 3.4.23". */
    String name();

    /** Starts the members as child processes. */
    void start();

    /** Waits until every member agrees on one leader; returns the leader's name. */
    String awaitLeader(Duration timeout);

    /** The member that leads now, as every member sees it, or a description of the disagreement. */
    String currentLeader();

    /** A client connected to the current leader only. */
    KvDriver connect(BenchKeys keys);

    /** Lock users over one new client connection to the current leader. */
    LockDriver connectLocks();

    /** Member name to its /metrics page (the leader first). */
    Map<String, String> scrape();

    /** The leader's member name, as used by {@link #scrape()}. */
    String leaderMember();

    /** Member name to its process, for CPU accounting. */
    Map<String, ProcessHandle> processes();

    /** The histogram of durable log writes (one fsync each). */
    String fsyncHistogram();

    /** Extra histograms worth reporting, metric name to a label for the table. */
    List<String[]> extraHistograms();

    @Override
    void close();
}
