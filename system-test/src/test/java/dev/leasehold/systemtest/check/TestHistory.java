package dev.leasehold.systemtest.check;

import static dev.leasehold.systemtest.history.HistoryEvent.fields;

import dev.leasehold.systemtest.history.History;
import dev.leasehold.systemtest.history.HistoryEvent;
import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Hand-made histories for the checks' tests; times are in milliseconds (the history's clock is nanoseconds). */
final class TestHistory {

    static final long TTL_MILLIS = 3_000;

    private final List<HistoryEvent> events = new ArrayList<>();
    private long nextId = 1;

    /** Sessions 5 (of w1) and 6 (of w2) granted at [0, 1] ms, and w1 granted lock a with token 10 at [2, 3]. */
    static TestHistory w1HoldsTokenTenOfA() {
        return new TestHistory().grant("w1", 5, 0, 1).grant("w2", 6, 0, 1).acquire("w1", "a", 5, 10, 2, 3);
    }

    static long ms(long millis) {
        return millis * 1_000_000;
    }

    TestHistory op(String process, long invokedMs, long completedMs, Kind outcome, Map<String, String> call,
                   Map<String, String> result) {
        long id = nextId++;
        events.add(new HistoryEvent(ms(invokedMs), process, Kind.INVOKE, id, call));
        events.add(new HistoryEvent(ms(completedMs), process, outcome, id, result));
        return this;
    }

    TestHistory grant(String process, long session, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, fields("op", "grant", "ttl", "" + TTL_MILLIS),
                fields("session", "" + session, "ttl", "" + TTL_MILLIS));
    }

    TestHistory acquire(String process, String lock, long session, long token, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, acquireCall(lock, session), fields("token", "" + token));
    }

    TestHistory tryAcquireRefused(String process, String lock, long session, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, acquireCall(lock, session), fields("acquired", "false"));
    }

    private static Map<String, String> acquireCall(String lock, long session) {
        return fields("op", "acquire", "lock", lock, "session", "" + session, "try", "false");
    }

    TestHistory put(String process, String lock, long session, long token, String value, Kind outcome,
                    long revision, long invokedMs, long completedMs) {
        Map<String, String> result = switch (outcome) {
            case OK -> fields("revision", "" + revision);
            case FAIL -> fields("code", "FAILED_PRECONDITION");
            default -> fields("why", "UNAVAILABLE");
        };
        return op(process, invokedMs, completedMs, outcome, fields("op", "put", "key", "fenced/" + lock, "lock", lock,
                "session", "" + session, "token", "" + token, "value", value), result);
    }

    TestHistory release(String process, String lock, long session, long token, boolean released, long invokedMs,
                        long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, fields("op", "release", "lock", lock, "session",
                "" + session, "token", "" + token), fields("released", "" + released));
    }

    TestHistory get(String process, String lock, String value, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, fields("op", "get", "key", "fenced/" + lock, "lock", lock),
                fields("value", value, "revision", "0"));
    }

    TestHistory revoke(String process, long session, String released, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.OK, fields("op", "revoke", "session", "" + session),
                fields("released", released));
    }

    TestHistory sessionGone(long session, long invokedMs, long completedMs) {
        return op("test", invokedMs, completedMs, Kind.OK, fields("op", "describe-session", "session", "" + session),
                fields("alive", "false"));
    }

    TestHistory keepAliveAck(String process, long session, long sentMs, long atMs) {
        events.add(new HistoryEvent(ms(atMs), process, Kind.NOTE, nextId++, fields("event", "keepalive-ack",
                "session", "" + session, "sent", "" + ms(sentMs))));
        return this;
    }

    TestHistory sessionLost(String process, long session, long atMs, boolean clientMayRevoke) {
        events.add(new HistoryEvent(ms(atMs), process, Kind.NOTE, nextId++, fields("event", "session-lost",
                "session", "" + session, "why", "deadline passed", "client-may-revoke", "" + clientMayRevoke)));
        return this;
    }

    TestHistory revokeRefused(String process, long session, long invokedMs, long completedMs) {
        return op(process, invokedMs, completedMs, Kind.FAIL, fields("op", "revoke", "session", "" + session),
                fields("code", "INVALID_ARGUMENT", "why", "session_id: no live session " + session));
    }

    History history() {
        return History.of(events);
    }
}
