package dev.leasehold.kubernetes;

import dev.leasehold.api.v1.KeepAliveRequest;
import dev.leasehold.api.v1.KeepAliveResponse;
import dev.leasehold.api.v1.SessionGrpc;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A {@code Lease} claim ({@code lease.leasehold.dev}) as an application holds it: create it, wait until it is
 * {@code Held}, keep it alive in the background, use its fencing token, release it. What it believes follows the
 * holder's rules ({@link ClaimTracker}): {@code Held} only after an acknowledgement of a renewal it sent, the deadline
 * from when that renewal was sent less the drift margin, and any change of the claim's identity or a passed deadline
 * is a loss, for good.
 *
 * <pre>{@code
 * try (LeaseClaim claim = LeaseClaim.builder(kubernetes).namespace("team-a").name("report-worker-0")
 *         .store("locks").lock("nightly-report").holder("worker-0").ttl(Duration.ofSeconds(15)).create()) {
 *     long token = claim.awaitHeld(Duration.ofMinutes(5));
 *     while (claim.isHeld()) {
 *         doSomeWork(token);       // pass the token with every write the lock protects
 *     }
 * }   // close() releases: marks the claim released, then deletes it, so the lock passes on at once
 * }</pre>
 *
 * <p>{@link Renewal#KUBERNETES}: every third of the TTL it bumps {@code leasehold.dev/renew} with a JSON patch that
 * tests the claim's UID and the previous value; the operator turns each bump into one store keep-alive and
 * acknowledges it in {@code status.renewAck}. {@link Renewal#DIRECT}: it sends numbered keep-alives for the claim's
 * session straight to the store ({@link Builder#storeEndpoints}), and the API server sees no renewal.
 */
public final class LeaseClaim implements AutoCloseable {

    /** Who keeps the claim's session alive. */
    public enum Renewal {
        /** Bumps of the {@code leasehold.dev/renew} annotation, relayed by the operator. */
        KUBERNETES,
        /** Keep-alives sent to the store's gRPC API by this process. */
        DIRECT
    }

    static final String RENEW = "leasehold.dev/renew";
    static final String RELEASED = "leasehold.dev/released";
    private static final String API_VERSION = "leasehold.dev/v1alpha1";

    private final KubernetesClient client;
    private final Builder spec;
    private final LongSupplier clock = System::nanoTime;
    private final ClaimTracker tracker;
    private final CompletableFuture<String> lost = new CompletableFuture<>();
    private final ScheduledExecutorService timer;
    private final String uid;
    private SharedIndexInformer<GenericKubernetesResource> informer;
    private long written;
    private ManagedChannel channel;
    private StreamObserver<KeepAliveRequest> keepAlives;
    private int endpoint;
    private boolean closed;

    private LeaseClaim(KubernetesClient client, Builder spec, GenericKubernetesResource created) {
        this.client = client;
        this.spec = spec;
        this.uid = created.getMetadata().getUid();
        this.tracker = new ClaimTracker(spec.ttl, ClaimTracker.defaultDrift(spec.ttl));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-claim-" + spec.name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts describing a claim. */
    public static Builder builder(KubernetesClient client) {
        return new Builder(client);
    }

    private Resource<GenericKubernetesResource> resource() {
        return client.genericKubernetesResources(API_VERSION, "Lease").inNamespace(spec.namespace)
                .withName(spec.name);
    }

    private void start() {
        informer = resource().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource claim) {
                observe(claim);
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource claim) {
                observe(claim);
            }

            @Override
            public void onDelete(GenericKubernetesResource claim, boolean unknown) {
                lose("the claim was deleted");
            }
        });
        long period = Math.max(1, spec.ttl.toNanos() / 3);
        timer.scheduleAtFixedRate(this::renew, 0, period, TimeUnit.NANOSECONDS);
        timer.scheduleAtFixedRate(this::checkDeadline, 50, 50, TimeUnit.MILLISECONDS);
    }

    @SuppressWarnings("unchecked")
    private void observe(GenericKubernetesResource claim) {
        Map<String, Object> status = (Map<String, Object>) claim.getAdditionalProperties().get("status");
        if (status == null) {
            return;
        }
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) status.getOrDefault("conditions",
                List.of());
        String message = conditions.isEmpty() ? null : (String) conditions.get(0).get("message");
        synchronized (this) {
            boolean knewSession = tracker.sessionId().isPresent();
            tracker.observe(new ClaimTracker.Observed((String) status.get("phase"), (String) status.get("clusterId"),
                    number(status.get("sessionId")), number(status.get("fencingToken")),
                    spec.renewal == Renewal.KUBERNETES ? number(status.get("renewAck")) : null, message),
                    clock.getAsLong());
            if (spec.renewal == Renewal.DIRECT && !knewSession && tracker.sessionId().isPresent()) {
                soon(); // the session's TTL runs from its grant: the first keep-alive goes now
            }
            notifyAll();
        }
        checkDeadline();
    }

    private static Long number(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }

    private void renew() {
        try {
            if (spec.renewal == Renewal.KUBERNETES) {
                bump();
            } else {
                keepAlive();
            }
        } catch (RuntimeException e) {
            // the next round tries again; the deadline, not this error, decides whether the claim is lost
        }
    }

    /** One tested JSON patch: the claim is still this UID and the counter is still what this holder wrote. */
    private void bump() {
        long next;
        synchronized (this) {
            if (closed || lost.isDone()) {
                return;
            }
            next = written + 1;
            tracker.sending(next, clock.getAsLong());
        }
        String patch = "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":\"" + uid + "\"},"
                + "{\"op\":\"test\",\"path\":\"/metadata/annotations/leasehold.dev~1renew\",\"value\":\"" + (next - 1)
                + "\"},{\"op\":\"replace\",\"path\":\"/metadata/annotations/leasehold.dev~1renew\",\"value\":\""
                + next + "\"}]";
        try {
            resource().patch(PatchContext.of(PatchType.JSON), patch);
            synchronized (this) {
                written = next;
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                lose("the claim was deleted");
            } else if (e.getCode() == 422) {
                lose("someone else changed the claim's renew counter or replaced the claim (" + e.getMessage()
                        + ")");
            }
        }
    }

    /** Direct mode: one numbered keep-alive for the claim's session, straight to the store. */
    private void keepAlive() {
        long sequence;
        long session;
        synchronized (this) {
            if (closed || lost.isDone() || tracker.sessionId().isEmpty()) {
                return;
            }
            session = tracker.sessionId().get();
            sequence = ++written;
            tracker.sending(sequence, clock.getAsLong());
            if (keepAlives == null) {
                openKeepAlives();
            }
            keepAlives.onNext(KeepAliveRequest.newBuilder().setSessionId(session).setSequence(sequence).build());
        }
    }

    private void openKeepAlives() {
        String target = spec.storeEndpoints.get(Math.floorMod(endpoint++, spec.storeEndpoints.size()));
        if (channel != null) {
            channel.shutdownNow();
        }
        channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        StreamObserver<KeepAliveRequest>[] mine = new StreamObserver[1];
        mine[0] = SessionGrpc.newStub(channel).keepAlive(new StreamObserver<>() {
            @Override
            public void onNext(KeepAliveResponse response) {
                synchronized (LeaseClaim.this) {
                    switch (response.getResult()) {
                        case ALIVE -> tracker.acknowledged(response.getSequence());
                        case ENDED, UNKNOWN_SESSION -> tracker.lose("the store ended the claim's session ("
                                + response.getResult() + ")");
                        case NOT_LEADER -> moveOn(mine[0]);
                        case DRAINING -> {
                            // nothing is acknowledged any more: the deadline runs out, and the claim with it
                        }
                        default -> {
                        }
                    }
                    LeaseClaim.this.notifyAll();
                }
                checkDeadline();
            }

            @Override
            public void onError(Throwable t) {
                synchronized (LeaseClaim.this) {
                    moveOn(mine[0]);
                }
            }

            @Override
            public void onCompleted() {
                onError(null);
            }
        });
        keepAlives = mine[0];
    }

    /**
     * The member behind {@code stream} does not lead (or the stream broke): the next keep-alive goes to the next
     * member at once, not a third of a TTL later, since every moment without an acknowledgement shortens the
     * session. A short pause keeps an election from turning this into a spin.
     */
    private void moveOn(StreamObserver<KeepAliveRequest> stream) {
        if (keepAlives != stream) {
            return;
        }
        keepAlives = null;
        soon();
    }

    private void soon() {
        if (!closed) {
            try {
                timer.schedule(this::renew, 50, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // released meanwhile
            }
        }
    }

    private void checkDeadline() {
        Optional<String> why;
        synchronized (this) {
            why = tracker.lost(clock.getAsLong());
            notifyAll();
        }
        why.ifPresent(lost::complete);
    }

    private void lose(String why) {
        synchronized (this) {
            tracker.lose(why);
        }
        checkDeadline();
    }

    /**
     * Waits until the claim is {@code Held} and a renewal this holder sent has been acknowledged.
     *
     * @return the fencing token
     * @throws ClaimLostException when the claim is lost first
     * @throws TimeoutException   when neither happens in time
     */
    public synchronized long awaitHeld(Duration timeout) throws InterruptedException, TimeoutException {
        long until = clock.getAsLong() + timeout.toNanos();
        while (true) {
            long now = clock.getAsLong();
            Optional<String> why = tracker.lost(now);
            if (why.isPresent()) {
                throw new ClaimLostException(spec.name, why.get());
            }
            if (tracker.held(now)) {
                return tracker.token().orElseThrow();
            }
            if (now >= until) {
                throw new TimeoutException("claim " + spec.name + " is not Held after " + timeout + " (phase "
                        + tracker.phase() + ")");
            }
            wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(until - now))));
        }
    }

    /** Whether this holder may act as the lock's holder now: {@code Held}, acknowledged, before its deadline. */
    public synchronized boolean isHeld() {
        return tracker.held(clock.getAsLong());
    }

    /** The fencing token, once the claim was granted. */
    public synchronized Optional<Long> fencingToken() {
        return tracker.token();
    }

    /** How long the claim surely lasts from now; zero when it does not or is lost. */
    public synchronized Duration remaining() {
        long now = clock.getAsLong();
        return tracker.held(now) ? Duration.ofNanos(tracker.deadline() - now) : Duration.ZERO;
    }

    /** Completes, with the reason, when the claim is lost (for good). */
    public CompletableFuture<String> lost() {
        return lost;
    }

    /** Marks the claim released, then deletes it: the operator revokes its session and the lock passes on. */
    public void release() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            tracker.lose("released by its holder");
        }
        stopBackground();
        try {
            resource().patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"test\",\"path\":\"/metadata/uid\","
                    + "\"value\":\"" + uid + "\"},{\"op\":\"add\",\"path\":\"/metadata/annotations/leasehold.dev~1"
                    + "released\",\"value\":\"true\"}]");
            resource().delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 422) {
                throw e;
            }
        }
        checkDeadline();
    }

    private void stopBackground() {
        timer.shutdownNow();
        if (informer != null) {
            informer.close();
        }
        synchronized (this) {
            if (keepAlives != null) {
                keepAlives.onCompleted();
                keepAlives = null;
            }
            if (channel != null) {
                channel.shutdownNow();
            }
        }
    }

    /** Releases the claim. */
    @Override
    public void close() {
        release();
    }

    /** How to claim. */
    public static final class Builder {
        private final KubernetesClient client;
        private String namespace;
        private String name;
        private String store;
        private String lock;
        private String holder;
        private Duration ttl = Duration.ofSeconds(15);
        private Renewal renewal = Renewal.KUBERNETES;
        private List<String> storeEndpoints = List.of();

        private Builder(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
            this.namespace = client.getNamespace();
        }

        public Builder namespace(String value) {
            namespace = value;
            return this;
        }

        /** The claim's object name. */
        public Builder name(String value) {
            name = value;
            return this;
        }

        /** The {@code ReplicatedStore} in the claim's namespace. */
        public Builder store(String value) {
            store = value;
            return this;
        }

        public Builder lock(String value) {
            lock = value;
            return this;
        }

        /** Who holds it, such as the Pod name; shown to other waiters, not authenticated. */
        public Builder holder(String value) {
            holder = value;
            return this;
        }

        /** Whole seconds, 1 to 300. */
        public Builder ttl(Duration value) {
            ttl = value;
            return this;
        }

        public Builder renewal(Renewal value) {
            renewal = value;
            return this;
        }

        /** The store members' gRPC addresses ({@code host:port}), for {@link Renewal#DIRECT}. */
        public Builder storeEndpoints(List<String> value) {
            storeEndpoints = List.copyOf(value);
            return this;
        }

        /** Creates the claim and starts keeping it alive. */
        public LeaseClaim create() {
            require(namespace, "namespace");
            require(name, "name");
            require(store, "store");
            require(lock, "lock");
            require(holder, "holder");
            if (ttl.toMillis() % 1000 != 0 || ttl.toSeconds() < 1 || ttl.toSeconds() > 300) {
                throw new IllegalArgumentException("ttl must be whole seconds, 1 to 300, was " + ttl);
            }
            if (renewal == Renewal.DIRECT && storeEndpoints.isEmpty()) {
                throw new IllegalArgumentException("storeEndpoints must name the store's members for DIRECT renewal");
            }
            GenericKubernetesResourceBuilder claim = new GenericKubernetesResourceBuilder().withApiVersion(API_VERSION)
                    .withKind("Lease").withNewMetadata().withName(name).withNamespace(namespace)
                    .addToAnnotations(RENEW, "0").endMetadata()
                    .addToAdditionalProperties("spec", Map.of("storeRef", Map.of("name", store), "lockName", lock,
                            "holderIdentity", holder, "ttlSeconds", ttl.toSeconds(),
                            "renewal", renewal == Renewal.KUBERNETES ? "Kubernetes" : "Direct"));
            GenericKubernetesResource created = client.genericKubernetesResources(API_VERSION, "Lease")
                    .inNamespace(namespace).resource(claim.build()).create();
            LeaseClaim handle = new LeaseClaim(client, this, created);
            handle.start();
            return handle;
        }

        private static void require(String value, String field) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(field + " is required");
            }
        }
    }
}
