package dev.leasehold.operator.lease;

import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.operator.model.StoreModel;
import dev.leasehold.operator.store.Member;
import dev.leasehold.operator.store.ReplicatedStore;
import dev.leasehold.operator.store.ReplicatedStoreReconciler;
import dev.leasehold.operator.store.StoreNodes;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Turns a {@link Lease} claim into a store session and lock request, and mirrors what the store says into its
 * status (DESIGN.md, Kubernetes). In order, each round:
 * <ol>
 *   <li>a claim whose store is missing or not bootstrapped stays {@code Pending}, saying why;</li>
 *   <li>while status has no {@code sessionId}: {@code Grant} with the claim's UID as owner (a repeat returns the same
 *       session; once it ended, {@code SESSION_ENDED} makes the claim {@code Failed}), and record {@code clusterId}
 *       and {@code sessionId};</li>
 *   <li>park the claim's {@code Acquire} ({@link ClaimEvents}; its invocation id derives from the UID, so a re-attach
 *       after a reconnect or an operator restart is the same request);</li>
 *   <li>{@code Kubernetes} renewal: for a {@code leasehold.dev/renew} value above what was acknowledged, send one
 *       keep-alive numbered by it, and write the value into {@code renewAck} once the store acknowledges exactly
 *       that keep-alive;</li>
 *   <li>write {@code Waiting} with the queue position, or {@code Held} with the token — after writing
 *       {@code Expired} or {@code Released} on every claim of the lock that shows a lower token — or {@code Expired}
 *       once the session ended.</li>
 * </ol>
 * Status is written only with the resourceVersion it was computed from (a conflict re-reads), so a paused
 * ex-leader replica of the operator cannot overwrite a newer state; the CRD's rules back this up. The operator keeps
 * no lock state of its own.
 *
 * <p>Deleting a claim: marked {@code leasehold.dev/released} by its holder, the session is revoked and the lock passes
 * on at once; deleted by anyone else, the session is drained, so the lock passes on only after the holder's deadline
 * has surely passed. The finalizer goes once the session has ended, or at once when the store is gone or being
 * deleted.
 */
@ControllerConfiguration(name = LeaseReconciler.NAME, fieldManager = ReplicatedStoreReconciler.FIELD_MANAGER,
        generationAwareEventProcessing = false, finalizerName = LeaseReconciler.FINALIZER)
public class LeaseReconciler implements Reconciler<Lease>, Cleaner<Lease> {

    public static final String NAME = "lease";
    public static final String GRANTED = "Granted";
    public static final String FINALIZER = "leasehold.dev/claim";
    private static final String BY_STORE = "leases-by-store";
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final StoreNodes nodes;
    private final ClaimEvents events;
    private final Map<ResourceID, Long> renewalsSent = new ConcurrentHashMap<>();

    public LeaseReconciler(KubernetesClient client, StoreNodes nodes) {
        this.client = client;
        this.nodes = nodes;
        this.events = new ClaimEvents(nodes);
    }

    /**
     * A store that appears, changes or goes away wakes the claims that name it; the store's answers arrive through
     * {@link ClaimEvents}.
     */
    @Override
    public List<EventSource<?, Lease>> prepareEventSources(EventSourceContext<Lease> context) {
        context.getPrimaryCache().addIndexer(BY_STORE, lease -> List.of(storeKey(lease.getMetadata().getNamespace(),
                lease.getSpec().storeRef().name())));
        return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(ReplicatedStore.class,
                        Lease.class)
                .withNamespacesInheritedFromController()
                // looked up by name: a claim created after its store was last seen is not in the reverse index
                .withPrimaryToSecondaryMapper((Lease lease) -> Set.of(new ResourceID(lease.getSpec().storeRef().name(),
                        lease.getMetadata().getNamespace())))
                .withSecondaryToPrimaryMapper(store -> context.getPrimaryCache()
                        .byIndex(BY_STORE, storeKey(store.getMetadata().getNamespace(), store.getMetadata().getName()))
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context), events);
    }

    private static String storeKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    @Override
    public UpdateControl<Lease> reconcile(Lease lease, Context<Lease> context) {
        ResourceID id = ResourceID.fromResource(lease);
        LeaseStatus status = Optional.ofNullable(lease.getStatus()).orElse(LeaseClaims.PENDING);
        if (LeaseClaims.isFinal(status.phase())) {
            events.detach(id);
            return UpdateControl.noUpdate();
        }
        Optional<ReplicatedStore> store = context.getSecondaryResource(ReplicatedStore.class);
        String storeName = lease.getSpec().storeRef().name();
        if (store.isEmpty()) {
            return retryAfter(write(lease, LeaseClaims.pending(lease, "StoreNotFound", "the ReplicatedStore "
                    + storeName + " does not exist in namespace " + lease.getMetadata().getNamespace())));
        }
        String clusterId = store.get().getStatus() == null ? null : store.get().getStatus().clusterId();
        if (clusterId == null) {
            return retryAfter(write(lease, LeaseClaims.pending(lease, "StoreNotReady", "the ReplicatedStore "
                    + storeName + " is not bootstrapped yet")));
        }
        if (status.clusterId() != null && !status.clusterId().equals(clusterId)) {
            write(lease, LeaseClaims.fail(lease, "StoreReplaced", "the claim's session belongs to store cluster "
                    + status.clusterId() + ", but the ReplicatedStore " + storeName + " is now cluster " + clusterId
                    + ": whatever the claim held is lost"));
            return UpdateControl.noUpdate();
        }
        List<String> endpoints = endpoints(store.get());
        ClaimStore claims = new ClaimStore(nodes, endpoints);
        if (status.sessionId() == null) {
            return grant(lease, claims);
        }
        long session = status.sessionId();
        events.attach(id, clusterId, endpoints, LeaseClaims.lockName(lease), session, invocationId(lease));
        ClaimState state = events.state(id).orElse(ClaimState.of(session));
        renew(lease, id, status, state);
        long renewAck = Math.max(Optional.ofNullable(status.renewAck()).orElse(0L), state.acked());
        if (state.ended() == null && state.token() != 0) {
            try {
                DescribeSessionResponse alive = claims.describeSession(session);
                if (!alive.getAlive()) {
                    state = state.ended("the store ended session " + session);
                }
            } catch (StatusRuntimeException e) {
                return retryAfter(true);
            }
        }
        if (state.ended() != null) {
            boolean released = lease.getMetadata().getAnnotations() != null
                    && lease.getMetadata().getAnnotations().containsKey(Lease.RELEASED_ANNOTATION);
            write(lease, LeaseClaims.ended(lease, released, renewAck, state.ended()));
            events.detach(id);
            return UpdateControl.noUpdate();
        }
        if (state.token() != 0) {
            if (!fenceOlderHolders(lease, state.token(), context)) {
                return retryAfter(true);
            }
            boolean written = write(lease, LeaseClaims.held(lease, state.token(), renewAck, Instant.now()));
            return UpdateControl.<Lease>noUpdate().rescheduleAfter(written
                    ? Duration.ofSeconds(lease.getSpec().ttlSeconds()) : RETRY);
        }
        return retryAfter(write(lease, LeaseClaims.waiting(lease, state.position(), renewAck)));
    }

    private UpdateControl<Lease> grant(Lease lease, ClaimStore claims) {
        try {
            GrantResponse granted = claims.grant(lease.getMetadata().getUid(), lease.getSpec().ttlSeconds() * 1000L);
            write(lease, LeaseClaims.granted(lease, granted.getClusterId(), granted.getSessionId()));
            return UpdateControl.noUpdate();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION
                    && String.valueOf(e.getStatus().getDescription()).startsWith("SESSION_ENDED")) {
                write(lease, LeaseClaims.fail(lease, "SessionEnded", "the store already ended this claim's session"
                        + " (" + e.getStatus().getDescription() + "); a claim never gets a second session"));
                return UpdateControl.noUpdate();
            }
            write(lease, LeaseClaims.pending(lease, "StoreUnavailable", "Grant failed: "
                    + StoreNodes.describe(e.getStatus()) + "; retrying"));
            return retryAfter(true);
        }
    }

    /**
     * {@code Kubernetes} renewal: one keep-alive per bump of the renew counter above what the store acknowledged,
     * numbered by the counter value captured now.
     */
    private void renew(Lease lease, ResourceID id, LeaseStatus status, ClaimState state) {
        if (lease.getSpec().renewal() == Renewal.Direct) {
            return;
        }
        Optional<Long> counter = LeaseClaims.renewCounter(lease);
        long acked = Math.max(Optional.ofNullable(status.renewAck()).orElse(0L), state.acked());
        if (counter.isPresent() && counter.get() > acked
                && counter.get() > renewalsSent.getOrDefault(id, Long.MIN_VALUE)) {
            renewalsSent.put(id, counter.get());
            events.keepAlive(id, counter.get());
        }
    }

    /**
     * Before a claim shows {@code Held} with {@code token}, every other claim of the same lock that still shows a
     * lower token is marked as having lost it; false when one of those writes met a newer version.
     */
    private boolean fenceOlderHolders(Lease lease, long token, Context<Lease> context) {
        String lock = LeaseClaims.lockName(lease);
        String store = lease.getSpec().storeRef().name();
        List<Lease> older = context.getPrimaryCache().list(lease.getMetadata().getNamespace(),
                other -> !other.getMetadata().getUid().equals(lease.getMetadata().getUid())
                        && other.getSpec().storeRef().name().equals(store) && LeaseClaims.lockName(other).equals(lock)
                        && other.getStatus() != null && other.getStatus().phase() == LeasePhase.Held
                        && other.getStatus().fencingToken() != null && other.getStatus().fencingToken() < token)
                .toList();
        boolean all = true;
        for (Lease other : older) {
            boolean released = other.getMetadata().getAnnotations() != null
                    && other.getMetadata().getAnnotations().containsKey(Lease.RELEASED_ANNOTATION);
            all &= write(other, LeaseClaims.ended(other, released, other.getStatus().renewAck() == null ? 0
                    : other.getStatus().renewAck(), "the lock was granted again, with token " + token));
        }
        return all;
    }

    @Override
    public DeleteControl cleanup(Lease lease, Context<Lease> context) {
        ResourceID id = ResourceID.fromResource(lease);
        events.detach(id);
        renewalsSent.remove(id);
        Optional<ReplicatedStore> store = context.getSecondaryResource(ReplicatedStore.class);
        Long session = lease.getStatus() == null ? null : lease.getStatus().sessionId();
        if (store.isEmpty() || store.get().getMetadata().getDeletionTimestamp() != null || session == null
                || store.get().getStatus() == null || store.get().getStatus().clusterId() == null) {
            return DeleteControl.defaultDelete();
        }
        ClaimStore claims = new ClaimStore(nodes, endpoints(store.get()));
        try {
            boolean released = lease.getMetadata().getAnnotations() != null
                    && lease.getMetadata().getAnnotations().containsKey(Lease.RELEASED_ANNOTATION);
            if (released) {
                claims.revoke(session);
                return DeleteControl.defaultDelete();
            }
            DescribeSessionResponse described = claims.describeSession(session);
            if (!described.getAlive()) {
                return DeleteControl.defaultDelete();
            }
            if (!described.getDraining()) {
                claims.drain(session);
            }
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofMillis(
                    Math.max(500, described.getTtlMillis() / 4)));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                return DeleteControl.defaultDelete(); // no such session any more
            }
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY);
        }
    }

    /** The store members' addresses: the members it reports, or the Pods it was created with. */
    static List<String> endpoints(ReplicatedStore store) {
        List<Member> members = store.getStatus() == null || store.getStatus().members() == null ? List.of()
                : store.getStatus().members();
        if (!members.isEmpty()) {
            return members.stream().map(m -> StoreModel.memberAddress(store, m.name())).toList();
        }
        return IntStream.range(0, store.getSpec().replicas())
                .mapToObj(i -> StoreModel.memberAddress(store, store.getMetadata().getName() + "-" + i)).toList();
    }

    /** The claim's {@code Acquire} invocation id: derived from its UID, positive, the same after any restart. */
    static long invocationId(Lease lease) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(lease.getMetadata().getUid().getBytes(StandardCharsets.UTF_8));
            long id = ByteBuffer.wrap(digest).getLong() & Long.MAX_VALUE;
            return id == 0 ? 1 : id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Writes the status with the resourceVersion the claim was read at; false when nothing changed is not a failure,
     * so: true when the status is as wanted, false when the write met a newer version (the newer one is reconciled
     * next).
     */
    private boolean write(Lease lease, LeaseStatus wanted) {
        LeaseStatus kept = LeaseClaims.keepTransitionTimes(wanted, lease.getStatus());
        if (Objects.equals(kept, lease.getStatus())) {
            return true;
        }
        Lease copy = new Lease();
        copy.setMetadata(lease.getMetadata());
        copy.setSpec(lease.getSpec());
        copy.setStatus(kept);
        try {
            client.resources(Lease.class).inNamespace(lease.getMetadata().getNamespace()).resource(copy)
                    .updateStatus();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true; // the claim is gone: there is nothing left to mirror
            }
            if (e.getCode() == 409 || e.getCode() == 422) {
                return false;
            }
            throw e;
        }
    }

    private static UpdateControl<Lease> retryAfter(boolean written) {
        return UpdateControl.<Lease>noUpdate().rescheduleAfter(written ? Duration.ofSeconds(10) : RETRY);
    }

    static Condition condition(String status, String reason, String message, long generation, Instant now) {
        return new ConditionBuilder().withType(GRANTED).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(now.truncatedTo(ChronoUnit.SECONDS).toString()).build();
    }
}
