package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * {@code Lease} claims as their holders use them in {@code Kubernetes} renewal mode: each renewing holder bumps its
 * {@code leasehold.dev/renew} counter every second with a patch guarded by the resourceVersion it read, and
 * remembers when it sent each value, so that its deadline counts from the send time of the value the operator
 * acknowledged in {@code status.renewAck}. A watcher records the most claims of one lock ever seen {@code Held} at
 * once.
 */
final class Claims implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final String store;
    private final Map<String, Long> ttlNanos = new ConcurrentHashMap<>();
    private final Map<String, String> locks = new ConcurrentHashMap<>();
    private final Set<String> renewing = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<Long, Long>> sent = new ConcurrentHashMap<>();
    private final AtomicInteger mostHeld = new AtomicInteger();
    private final Thread renewer;
    private final Thread watcher;
    private volatile boolean closed;

    Claims(KubernetesClient client, String namespace, String store) {
        this.client = client;
        this.namespace = namespace;
        this.store = store;
        renewer = loop("claim-renewer", 1_000, this::renewAll);
        watcher = loop("claim-watcher", 100, this::watchHeld);
    }

    private Thread loop(String name, long periodMillis, Runnable body) {
        Thread t = new Thread(() -> {
            while (!closed) {
                try {
                    body.run();
                } catch (KubernetesClientException e) {
                    // a conflict or a brief API error: the next round tries again
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Resource<GenericKubernetesResource> resource(String name) {
        return client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease").inNamespace(namespace)
                .withName(name);
    }

    /** Creates a claim on {@code lock} that its holder renews from now on. */
    void create(String name, String lock, int ttlSeconds) {
        client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease").inNamespace(namespace)
                .resource(new GenericKubernetesResourceBuilder().withApiVersion("leasehold.dev/v1alpha1")
                        .withKind("Lease").withNewMetadata().withName(name).endMetadata()
                        .addToAdditionalProperties("spec", Map.of("storeRef", Map.of("name", store), "lockName", lock,
                                "holderIdentity", name + "-pod", "ttlSeconds", ttlSeconds, "renewal", "Kubernetes"))
                        .build()).create();
        ttlNanos.put(name, Duration.ofSeconds(ttlSeconds).toNanos());
        locks.put(name, lock);
        sent.put(name, new ConcurrentHashMap<>());
        renewing.add(name); // the renewer bumps it within a second, and again after a conflict
    }

    private void renewAll() {
        renewing.forEach(this::renew);
    }

    private void renew(String name) {
        GenericKubernetesResource claim = resource(name).get();
        if (claim == null) {
            return;
        }
        long next = written(claim) + 1;
        long at = System.nanoTime();
        resource(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"resourceVersion\":\""
                + claim.getMetadata().getResourceVersion() + "\",\"annotations\":{\"leasehold.dev/renew\":\""
                + next + "\"}}}");
        sent.get(name).put(next, at);
    }

    private static long written(GenericKubernetesResource claim) {
        Map<String, String> annotations = claim.getMetadata().getAnnotations();
        return annotations == null ? 0 : Long.parseLong(annotations.getOrDefault("leasehold.dev/renew", "0"));
    }

    private void watchHeld() {
        Map<String, Integer> held = new ConcurrentHashMap<>();
        for (GenericKubernetesResource claim : client.genericKubernetesResources("leasehold.dev/v1alpha1", "Lease")
                .inNamespace(namespace).list().getItems()) {
            if ("Held".equals(status(claim).get("phase"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> spec = (Map<String, Object>) claim.getAdditionalProperties().get("spec");
                held.merge((String) spec.get("lockName"), 1, Integer::sum);
            }
        }
        held.values().forEach(n -> mostHeld.accumulateAndGet(n, Math::max));
    }

    void stopRenewing(String name) {
        renewing.remove(name);
    }

    /** Marks the claim released, as its holder does, then deletes it. */
    void release(String name) {
        renewing.remove(name);
        resource(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"leasehold.dev/released\":\"true\"}}}");
        resource(name).delete();
    }

    /** Deletes the claim without marking it released, as garbage collection or another person does. */
    void delete(String name) {
        renewing.remove(name);
        resource(name).delete();
    }

    /** The claim's status, or null when it is gone. */
    Map<String, Object> get(String name) {
        GenericKubernetesResource claim = resource(name).get();
        return claim == null ? null : status(claim);
    }

    String phase(String name) {
        Map<String, Object> status = get(name);
        return status == null ? null : (String) status.get("phase");
    }

    Map<String, Object> await(String name, String phase) {
        return Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50)).until(() -> get(name),
                s -> s != null && phase.equals(s.get("phase")));
    }

    long acknowledged(String name) {
        Object ack = get(name).get("renewAck");
        return ack == null ? 0 : ((Number) ack).longValue();
    }

    long written(String name) {
        return written(resource(name).get());
    }

    /** When the holder's claim surely ends: the send time of the acknowledged renewal plus the TTL. */
    long deadlineNanos(String name) {
        return sent.get(name).get(acknowledged(name)) + ttlNanos.get(name);
    }

    int mostHeldAtOnce() {
        return mostHeld.get();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource claim) {
        Object status = claim.getAdditionalProperties().get("status");
        return status == null ? Map.of() : (Map<String, Object>) status;
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        renewer.join(5_000);
        watcher.join(5_000);
        for (String name : ttlNanos.keySet()) {
            if (resource(name).get() != null) {
                release(name);
            }
        }
    }
}
