package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.client.LeaseholdClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer that puts {@code PREFIX-i = i} for i = 0, 1, … until stopped, through a client of its own, remembering
 * every acknowledged key and the longest time between two acknowledgements (the write gap a change caused). A write
 * that failed has an unknown outcome and is not checked; every acknowledged one must be readable afterwards.
 */
final class ContinuousWrites implements AutoCloseable {

    private final LeaseholdClient client;
    private final String prefix;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> acknowledged = new ArrayList<>();
    private final Thread writer;
    private volatile long longestGapNanos;
    private volatile int failed;

    ContinuousWrites(LeaseholdClient client, String prefix) {
        this.client = client;
        this.prefix = prefix;
        this.writer = new Thread(this::write, "continuous-writes-" + prefix);
        writer.setDaemon(true);
        writer.start();
    }

    private void write() {
        long lastAck = System.nanoTime();
        for (int i = 0; !stop.get(); i++) {
            String key = prefix + i;
            try {
                client.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(Integer.toString(i))).build());
                long now = System.nanoTime();
                longestGapNanos = Math.max(longestGapNanos, now - lastAck);
                lastAck = now;
                synchronized (acknowledged) {
                    acknowledged.add(key);
                }
            } catch (RuntimeException e) {
                failed++;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Stops writing, then reads every acknowledged key back (linearizably) and prints the counts and the gap. */
    void stopAndCheck(String during) throws InterruptedException {
        stop.set(true);
        writer.join();
        List<String> keys;
        synchronized (acknowledged) {
            keys = List.copyOf(acknowledged);
        }
        assertThat(keys).as("writes acknowledged during " + during).isNotEmpty();
        int lost = 0;
        for (String key : keys) {
            var answer = client.get(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
            if (!answer.getFound() || !answer.getKv().getValue().toStringUtf8()
                    .equals(key.substring(prefix.length()))) {
                lost++;
            }
        }
        System.out.printf("DevKubernetesTest: %s: %d writes acknowledged, %d lost, %d failed (outcome unknown),"
                + " longest gap between acknowledgements %.2f s%n", during, keys.size(), lost, failed,
                longestGapNanos / 1e9);
        assertThat(lost).as("acknowledged writes lost during " + during).isZero();
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        writer.join(30_000);
        client.close();
    }
}
