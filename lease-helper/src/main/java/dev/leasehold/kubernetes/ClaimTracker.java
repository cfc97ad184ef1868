package dev.leasehold.kubernetes;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a holder may believe about its claim, from the renewals it sent and the statuses it saw; a pure state
 * machine on a monotonic clock in nanoseconds. The rules (DESIGN.md, Kubernetes):
 * <ul>
 *   <li>{@code Held} is trusted only after an acknowledgement of a renewal this holder sent;</li>
 *   <li>the deadline counts from when the acknowledged renewal was <em>sent</em>, plus the TTL, less the drift
 *       margin;</li>
 *   <li>a status whose {@code clusterId}, {@code sessionId} or {@code fencingToken} differs from the first one seen
 *       means the claim is lost, as does a final phase;</li>
 *   <li>a passed deadline, like every loss, is final: the tracker never believes in the claim again.</li>
 * </ul>
 * Not thread-safe: {@link LeaseClaim} calls it under its lock.
 */
final class ClaimTracker {

    /** A claim's status fields, as the operator wrote them (any may be absent). */
    record Observed(String phase, String clusterId, Long sessionId, Long fencingToken, Long renewAck,
                    String message) {
    }

    private final long ttlNanos;
    private final long driftNanos;
    private final TreeMap<Long, Long> sentAt = new TreeMap<>();
    private String clusterId;
    private Long sessionId;
    private Long token;
    private String phase;
    private long acknowledged;
    private long deadline = Long.MIN_VALUE;
    private boolean everAcknowledged;
    private String lost;

    /**
     * @param ttl   the claim's TTL
     * @param drift the drift margin taken off every deadline (DESIGN.md: 1 % of the TTL + 100 ms by default)
     */
    ClaimTracker(Duration ttl, Duration drift) {
        this.ttlNanos = ttl.toNanos();
        this.driftNanos = drift.toNanos();
    }

    /** The default drift margin for a TTL: 1 % of it plus 100 ms. */
    static Duration defaultDrift(Duration ttl) {
        return ttl.dividedBy(100).plusMillis(100);
    }

    /** The holder is about to send renewal {@code value}; {@code now} is taken before the request goes out. */
    void sending(long value, long now) {
        sentAt.putIfAbsent(value, now);
        // only the latest few are worth remembering: acknowledgements come in order
        while (sentAt.size() > 64) {
            sentAt.pollFirstEntry();
        }
    }

    /** A renewal this holder sent was acknowledged (Direct mode: a keep-alive echoed ALIVE). */
    void acknowledged(long value) {
        Long sent = sentAt.get(value);
        if (sent == null || value < acknowledged) {
            return; // not one of ours, or older than what already counts
        }
        acknowledged = value;
        everAcknowledged = true;
        deadline = Math.max(deadline, sent + ttlNanos - driftNanos);
    }

    /** A status the operator wrote. */
    void observe(Observed status, long now) {
        expireIfPast(now);
        if (lost != null) {
            return;
        }
        clusterId = sameOrLose("clusterId", clusterId, status.clusterId());
        sessionId = sameOrLose("sessionId", sessionId, status.sessionId());
        token = sameOrLose("fencingToken", token, status.fencingToken());
        if (lost != null) {
            return;
        }
        phase = status.phase();
        if (status.renewAck() != null) {
            acknowledged(status.renewAck());
        }
        if ("Expired".equals(phase) || "Released".equals(phase) || "Failed".equals(phase)) {
            lose("the claim is " + phase + (status.message() == null ? "" : ": " + status.message()));
        }
    }

    private <T> T sameOrLose(String field, T first, T now) {
        if (first == null || now == null) {
            return first == null ? now : first;
        }
        if (!Objects.equals(first, now)) {
            lose("status." + field + " changed from " + first + " to " + now + ": the claim is not what it was");
        }
        return first;
    }

    /** Loses the claim for good, with the reason, if it is not lost already. */
    void lose(String why) {
        if (lost == null) {
            lost = why;
        }
    }

    private void expireIfPast(long now) {
        if (lost == null && everAcknowledged && now >= deadline) {
            lose("the deadline passed: no renewal sent in time was acknowledged");
        }
    }

    /** Whether the holder may act as the lock's holder at {@code now}. */
    boolean held(long now) {
        expireIfPast(now);
        return lost == null && "Held".equals(phase) && token != null && everAcknowledged && now < deadline;
    }

    /** The fencing token of the grant, once the status showed one. */
    Optional<Long> token() {
        return Optional.ofNullable(token);
    }

    Optional<Long> sessionId() {
        return Optional.ofNullable(sessionId);
    }

    /** When the claim surely ends, on the nanosecond clock; {@code Long.MIN_VALUE} before any acknowledgement. */
    long deadline() {
        return deadline;
    }

    /** Why the claim is lost, if it is. */
    Optional<String> lost(long now) {
        expireIfPast(now);
        return Optional.ofNullable(lost);
    }

    String phase() {
        return phase;
    }
}
