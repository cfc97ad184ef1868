package dev.leasehold.client;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * How to start a {@link Session}.
 *
 * @param ttl how long the store keeps the session after the last keep-alive it acknowledged, 1 s to 300 s
 * @param owner the owner key sent with the grant: a retried grant with the same owner returns the same session,
 *     and once that session has ended the owner can never get another one. Random unless chosen; choose one only
 *     to tie a session to something that must never hold two (a {@code Lease} claim passes its UID)
 * @param driftMargin how much sooner than the store the client counts the session lost, to allow for clocks that
 *     run at different rates; 1 % of the TTL plus 100 ms unless chosen
 */
public record SessionOptions(Duration ttl, String owner, Duration driftMargin) {

    /** The shortest TTL the store grants. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    /** The longest TTL the store grants. */
    public static final Duration MAX_TTL = Duration.ofSeconds(300);

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checks the values, naming the one that is wrong. */
    public SessionOptions {
        if (ttl == null || ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be between 1s and 300s, was " + ttl);
        }
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("owner must not be empty");
        }
        if (driftMargin == null || driftMargin.isNegative() || driftMargin.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("driftMargin must be at least 0 and less than the ttl (" + ttl
                    + "), was " + driftMargin);
        }
    }

    /** A session with this TTL, a random owner key and the default drift margin. */
    public static SessionOptions ttl(Duration ttl) {
        if (ttl == null) {
            throw new IllegalArgumentException("ttl must be set");
        }
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        return new SessionOptions(ttl, "client-" + HexFormat.of().formatHex(key), defaultDriftMargin(ttl));
    }

    /** 1 % of the TTL plus 100 ms. */
    public static Duration defaultDriftMargin(Duration ttl) {
        return ttl.dividedBy(100).plusMillis(100);
    }

    /** The same options with this owner key. */
    public SessionOptions withOwner(String owner) {
        return new SessionOptions(ttl, owner, driftMargin);
    }

    /** The same options with this drift margin. */
    public SessionOptions withDriftMargin(Duration driftMargin) {
        return new SessionOptions(ttl, owner, driftMargin);
    }
}
