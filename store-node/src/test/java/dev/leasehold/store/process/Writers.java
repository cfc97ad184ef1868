package dev.leasehold.store.process;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.PutRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client threads that each write distinct keys, one Put at a time, to the serving nodes in turn (a follower
 * forwards to the leader). A Put that returned OK is <em>acknowledged</em> and recorded with its value; one that
 * failed or timed out is <em>unknown</em>: it may or may not have been applied, and is never checked. Keys are never
 * written twice, so an acknowledged key must hold exactly its recorded value.
 *
 * <p>Each thread stops by itself after {@link #MAX_WRITES_PER_THREAD} writes or {@link #MAX_RUN}, whichever comes
 * first, should the test forget to.
 */
public final class Writers implements AutoCloseable {

    static final int MAX_WRITES_PER_THREAD = 50_000;
    static final Duration MAX_RUN = Duration.ofMinutes(3);
    private static final Duration PUT_DEADLINE = Duration.ofSeconds(5);

    private final ProcessCluster cluster;
    private final String prefix;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong unknown = new AtomicLong();
    private volatile boolean running;

    public Writers(ProcessCluster cluster, String prefix) {
        this.cluster = cluster;
        this.prefix = prefix;
    }

    public Writers start(int count) {
        running = true;
        for (int t = 0; t < count; t++) {
            int thread = t;
            Thread th = new Thread(() -> write(thread), "writer-" + prefix + "-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        return this;
    }

    private void write(int thread) {
        long end = System.nanoTime() + MAX_RUN.toNanos();
        for (int seq = 0; running && seq < MAX_WRITES_PER_THREAD && System.nanoTime() < end; seq++) {
            List<NodeProcess> serving = cluster.serving();
            if (serving.isEmpty()) {
                unknown.incrementAndGet(); // nobody to ask: counts as a write that did not get through
                pause(50);
                continue;
            }
            NodeProcess target = serving.get(Math.floorMod(thread + seq, serving.size()));
            String key = String.format("%s/t%02d/%07d", prefix, thread, seq);
            String value = key + "=" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            try {
                target.kv(PUT_DEADLINE).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)).build());
                acknowledged.put(key, value);
            } catch (StatusRuntimeException e) {
                unknown.incrementAndGet();
                pause(20); // do not spin while there is no leader: two cores are shared with five JVMs
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long acknowledgedCount() {
        return acknowledged.size();
    }

    public long unknownCount() {
        return unknown.get();
    }

    /** Stops every thread after its write in flight and returns what was acknowledged. */
    public Map<String, String> stop() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop");
            }
        }
        return Map.copyOf(acknowledged);
    }

    @Override
    public void close() {
        running = false;
    }
}
