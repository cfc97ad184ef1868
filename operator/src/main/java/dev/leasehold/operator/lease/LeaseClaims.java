package dev.leasehold.operator.lease;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * A claim's status from what the store said, as pure functions. Every builder carries over what the CRD's rules
 * make write-once ({@code clusterId}, {@code sessionId}, {@code fencingToken}) and never lowers {@code renewAck}.
 */
final class LeaseClaims {

    static final LeaseStatus PENDING = new LeaseStatus(null, LeasePhase.Pending, null, null, null, null, null, null,
            List.of());

    private LeaseClaims() {
    }

    static boolean isFinal(LeasePhase phase) {
        return phase == LeasePhase.Expired || phase == LeasePhase.Released || phase == LeasePhase.Failed;
    }

    /** The store's name of the claim's lock: namespaced by the claim's namespace. */
    static String lockName(Lease lease) {
        return lease.getMetadata().getNamespace() + "/" + lease.getSpec().lockName();
    }

    /** The holder's renew counter, when the annotation holds one. */
    static Optional<Long> renewCounter(Lease lease) {
        String value = lease.getMetadata().getAnnotations() == null ? null
                : lease.getMetadata().getAnnotations().get(Lease.RENEW_ANNOTATION);
        try {
            return value == null ? Optional.empty() : Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty(); // the chart's admission policy refuses such a value
        }
    }

    static LeaseStatus pending(Lease lease, String reason, String message) {
        return status(lease, LeasePhase.Pending, null, null, previous(lease).renewAck(),
                condition(lease, "False", reason, message));
    }

    static LeaseStatus fail(Lease lease, String reason, String message) {
        return status(lease, LeasePhase.Failed, null, null, previous(lease).renewAck(),
                condition(lease, "False", reason, message));
    }

    static LeaseStatus granted(Lease lease, String clusterId, long sessionId) {
        LeaseStatus p = previous(lease);
        return new LeaseStatus(lease.getMetadata().getGeneration(), LeasePhase.Pending,
                p.clusterId() == null ? clusterId : p.clusterId(), p.sessionId() == null ? sessionId : p.sessionId(),
                p.fencingToken(), null, p.acquireTime(), p.renewAck(), List.of(condition(lease, "False", "Acquiring",
                "session " + sessionId + " granted; its lock request goes to the store")));
    }

    /** Queued at {@code position}; with no position known yet (0), as the claim stood. */
    static LeaseStatus waiting(Lease lease, long position, long renewAck) {
        LeaseStatus p = previous(lease);
        if (position <= 0) {
            return status(lease, p.phase(), p.queuePosition(), null, renewAck, p.conditions().isEmpty()
                    ? condition(lease, "False", "Acquiring", "the lock request goes to the store")
                    : p.conditions().get(0));
        }
        return status(lease, LeasePhase.Waiting, (int) Math.min(Integer.MAX_VALUE, position), null, renewAck,
                condition(lease, "False", "Queued", "waiting for lock " + lease.getSpec().lockName() + ", place "
                        + position + " in its queue"));
    }

    static LeaseStatus held(Lease lease, long token, long renewAck, Instant now) {
        LeaseStatus p = previous(lease);
        LeaseStatus s = status(lease, LeasePhase.Held, null, p.acquireTime() != null ? p.acquireTime()
                : now.truncatedTo(ChronoUnit.SECONDS).toString(), renewAck, condition(lease, "True", "Granted",
                "lock " + lease.getSpec().lockName() + " held with fencing token " + token));
        return new LeaseStatus(s.observedGeneration(), s.phase(), s.clusterId(), s.sessionId(),
                p.fencingToken() != null ? p.fencingToken() : token, null, s.acquireTime(), s.renewAck(),
                s.conditions());
    }

    static LeaseStatus ended(Lease lease, boolean released, long renewAck, String why) {
        return status(lease, released ? LeasePhase.Released : LeasePhase.Expired, null, previous(lease).acquireTime(),
                renewAck, condition(lease, "False", released ? "Released" : "SessionEnded", why));
    }

    /** A condition's transition time moves only when its status does. */
    static LeaseStatus keepTransitionTimes(LeaseStatus wanted, LeaseStatus previous) {
        if (previous == null || previous.conditions() == null) {
            return wanted;
        }
        List<Condition> kept = wanted.conditions().stream().map(c -> previous.conditions().stream()
                .filter(p -> p.getType().equals(c.getType()) && p.getStatus().equals(c.getStatus()))
                .findFirst().map(p -> new ConditionBuilder(c).withLastTransitionTime(p.getLastTransitionTime())
                        .build()).orElse(c)).toList();
        return new LeaseStatus(wanted.observedGeneration(), wanted.phase(), wanted.clusterId(), wanted.sessionId(),
                wanted.fencingToken(), wanted.queuePosition(), wanted.acquireTime(), wanted.renewAck(), kept);
    }

    private static LeaseStatus previous(Lease lease) {
        return Optional.ofNullable(lease.getStatus()).orElse(PENDING);
    }

    private static LeaseStatus status(Lease lease, LeasePhase phase, Integer position, String acquireTime,
                                      Long renewAck, Condition condition) {
        LeaseStatus p = previous(lease);
        Long ack = p.renewAck();
        if (renewAck != null && renewAck > 0 && (ack == null || renewAck > ack)) {
            ack = renewAck;
        }
        return new LeaseStatus(lease.getMetadata().getGeneration(), phase, p.clusterId(), p.sessionId(),
                p.fencingToken(), position, acquireTime, ack, List.of(condition));
    }

    private static Condition condition(Lease lease, String status, String reason, String message) {
        return LeaseReconciler.condition(status, reason, message, lease.getMetadata().getGeneration(), Instant.now());
    }
}
