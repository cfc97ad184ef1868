package dev.leasehold.store.process;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/** Reads acknowledged writes back, one Get per key, from several client threads. */
public final class ReadBack {

    private static final int THREADS = 8;

    private ReadBack() {
    }

    /**
     * Gets every key of {@code expected} with the given consistency from the node {@code node} supplies (asked
     * again for each key, so that a read can follow the leader), retrying while the cluster is unavailable, and
     * returns a line per key whose value is missing or different.
     */
    public static List<String> mismatches(Supplier<NodeProcess> node, Map<String, String> expected,
                                          Consistency consistency) {
        List<Map.Entry<String, String>> entries = new ArrayList<>(expected.entrySet());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<List<String>>> parts = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = first; i < entries.size(); i += THREADS) {
                        Map.Entry<String, String> e = entries.get(i);
                        GetResponse got = ProcessCluster.retrying(ProcessCluster.PATIENCE, () -> node.get()
                                .kv(Duration.ofSeconds(5)).get(GetRequest.newBuilder()
                                        .setKey(ByteString.copyFromUtf8(e.getKey())).setConsistency(consistency)
                                        .build()));
                        if (!got.getFound()) {
                            wrong.add(e.getKey() + ": missing (read from node " + got.getHeader().getMemberId()
                                    + " at revision " + got.getHeader().getRevision() + ")");
                        } else if (!got.getKv().getValue().toStringUtf8().equals(e.getValue())) {
                            wrong.add(e.getKey() + ": expected " + e.getValue() + " but read "
                                    + got.getKv().getValue().toStringUtf8());
                        }
                    }
                    return wrong;
                }));
            }
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> part : parts) {
                wrong.addAll(part.get());
            }
            return wrong;
        } catch (ExecutionException e) {
            throw new AssertionError("reading back failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }
}
