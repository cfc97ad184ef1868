package dev.leasehold.systemtest.worker;

import static dev.leasehold.systemtest.history.HistoryEvent.fields;

import dev.leasehold.systemtest.client.GrpcLockClient;
import dev.leasehold.systemtest.client.JavaLockClient;
import dev.leasehold.systemtest.client.LockClient;
import dev.leasehold.systemtest.client.Reply;
import dev.leasehold.systemtest.history.HistoryWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.function.Function;

/**
 * One worker of a fault-injection test, run in a JVM of its own: until told to stop, it takes a session, and
 * with it, again and again, one of the locks (usually waiting for it, sometimes only trying), writes to the
 * lock's key fenced with the grant's token, sometimes reads it back, holds the lock a moment and releases it.
 * Every call goes into its history file with its outcome: answered, certainly refused, or unknown.
 *
 * <p>A session is given up (revoked, and a new one granted) after a few rounds, when the client lost it, and after
 * any call whose outcome is unknown, so that no later call of the session depends on a guess.
 *
 * <p>The test talks to it through files in the control directory: {@code stop} ends the run; {@code pause-NAME}
 * asks it to announce its next grant ({@code pause-ready} in the history) and then wait a moment before writing,
 * in which the test freezes it with SIGSTOP for longer than the TTL. Thawed, it notes whether it noticed that its
 * session was lost and writes anyway with the stale token: that the store refuses that write is the point.
 *
 * <p>Usage: {@code LockWorker NAME NODES HISTORY CONTROL_DIR LOCKS TTL_MILLIS SEED CLIENT}, with NODES as
 * {@code id=host:port,...}, LOCKS comma-separated and CLIENT {@code java} (the project's Java client, as an
 * application would use it) or {@code grpc} (raw gRPC calls, to drive the store's API directly).
 */
public final class LockWorker {

    private static final Duration ACQUIRE_WAIT = Duration.ofSeconds(3);
    private static final Duration PAUSE_WINDOW = Duration.ofMillis(1_500);
    private static final Duration MAX_RUN = Duration.ofMinutes(3);

    private final String name;
    private final LockClient client;
    private final HistoryWriter history;
    private final Path control;
    private final List<String> locks;
    private final Duration ttl;
    private final Random random;
    private long session;
    private long invocation;
    private long writes;

    LockWorker(String name, LockClient client, HistoryWriter history, Path control, List<String> locks,
               Duration ttl, long seed) {
        this.name = name;
        this.client = client;
        this.history = history;
        this.control = control;
        this.locks = List.copyOf(locks);
        this.ttl = ttl;
        this.random = new Random(seed);
    }

    public static void main(String[] args) {
        if (args.length != 8 || !List.of("java", "grpc").contains(args[7])) {
            System.err.println("usage: LockWorker NAME NODES HISTORY CONTROL_DIR LOCKS TTL_MILLIS SEED java|grpc");
            System.exit(2);
        }
        String name = args[0];
        Map<Long, String> nodes = new LinkedHashMap<>();
        for (String node : args[1].split(",")) {
            String[] idAddress = node.split("=", 2);
            nodes.put(Long.parseLong(idAddress[0]), idAddress[1]);
        }
        long seed = Long.parseLong(args[6]);
        long home = List.copyOf(nodes.keySet()).get((int) Math.floorMod(seed, nodes.size()));
        try (HistoryWriter history = new HistoryWriter(Path.of(args[2]), name)) {
            LockClient.SessionEvents events = new LockClient.SessionEvents() {
                @Override
                public void acknowledged(long session, long sentNanos) {
                    history.note(fields("event", "keepalive-ack", "session", "" + session, "sent", "" + sentNanos));
                }

                @Override
                public void lost(long session, String why, boolean mayRevoke) {
                    history.note(fields("event", "session-lost", "session", "" + session, "why", why,
                            "client-may-revoke", "" + mayRevoke));
                }
            };
            try (LockClient client = args[7].equals("java") ? new JavaLockClient(nodes, home, events)
                    : new GrpcLockClient(nodes, home, events)) {
                new LockWorker(name, client, history, Path.of(args[3]), List.of(args[4].split(",")),
                        Duration.ofMillis(Long.parseLong(args[5])), seed).run();
            }
        }
        System.out.println(name + ": done");
        System.exit(0);
    }

    void run() {
        long end = System.nanoTime() + MAX_RUN.toNanos();
        int rounds = 0;
        int roundsPerSession = 0;
        while (!Files.exists(control.resolve("stop")) && System.nanoTime() < end) {
            if (session == 0 || client.lost(session) || rounds >= roundsPerSession) {
                endSession();
                grant();
                rounds = 0;
                roundsPerSession = 10 + random.nextInt(40);
                if (session == 0) {
                    sleep(Duration.ofMillis(100));
                    continue;
                }
            }
            rounds++;
            round(locks.get(random.nextInt(locks.size())));
        }
        endSession();
    }

    private void grant() {
        long id = history.invoke(fields("op", "grant", "ttl", "" + ttl.toMillis()));
        Reply<Long> granted = client.grant(ttl);
        record(id, granted, s -> fields("session", "" + s, "ttl", "" + ttl.toMillis()));
        session = granted instanceof Reply.Ok<Long> ok ? ok.value() : 0;
    }

    private void endSession() {
        if (session == 0) {
            return;
        }
        long id = history.invoke(fields("op", "revoke", "session", "" + session));
        record(id, client.revoke(session), released -> fields("released", String.join(",", released)));
        session = 0;
    }

    /** One round on {@code lock}; gives the session up if anything in it had an unknown outcome. */
    private void round(String lock) {
        OptionalLong token = acquire(lock);
        if (session == 0 || token.isEmpty()) {
            return;
        }
        boolean paused = pauseIfAsked(lock, token.getAsLong());
        if (!paused && client.lost(session)) {
            endSession(); // a holder that knows its session is lost does not write
            return;
        }
        String key = "fenced/" + lock;
        String value = name + "-s" + session + "-t" + token.getAsLong() + "-" + (++writes);
        Map<String, String> call = fields("op", "put", "key", key, "lock", lock, "session", "" + session,
                "token", "" + token.getAsLong(), "value", value);
        if (paused) {
            call.put("after-pause", "true");
        }
        long id = history.invoke(call);
        Reply<Long> written = client.fencedPut(key, value, lock, token.getAsLong());
        record(id, written, revision -> fields("revision", "" + revision));
        if (paused) {
            System.out.println(name + ": thawed holder's write with token " + token.getAsLong() + ": " + written);
        }
        if (written instanceof Reply.Ok<Long> && random.nextInt(3) == 0) {
            long read = history.invoke(fields("op", "get", "key", key, "lock", lock));
            record(read, client.get(key), r -> fields("value", r.value(), "revision", "" + r.modRevision()));
        }
        sleep(Duration.ofMillis(random.nextInt(30)));
        long release = history.invoke(fields("op", "release", "lock", lock, "session", "" + session,
                "token", "" + token.getAsLong()));
        Reply<Boolean> released = client.release(session, lock, token.getAsLong(), ++invocation);
        record(release, released, r -> fields("released", "" + r));
        if (paused || written instanceof Reply.Unknown || released instanceof Reply.Unknown) {
            endSession();
        }
    }

    /** The token if the lock was granted; ends the session if the outcome is unknown. */
    private OptionalLong acquire(String lock) {
        boolean tryOnly = random.nextInt(5) == 0;
        long id = history.invoke(fields("op", "acquire", "lock", lock, "session", "" + session,
                "try", "" + tryOnly));
        Reply<OptionalLong> r = tryOnly ? client.tryAcquire(session, lock, ++invocation)
                : client.acquire(session, lock, ++invocation, ACQUIRE_WAIT).map(OptionalLong::of);
        record(id, r, t -> t.isPresent() ? fields("token", "" + t.getAsLong()) : fields("acquired", "false"));
        if (r instanceof Reply.Unknown) {
            endSession(); // it may hold the lock, with a token it never learned
            return OptionalLong.empty();
        }
        if (!(r instanceof Reply.Ok<OptionalLong> ok)) {
            sleep(Duration.ofMillis(20));
            return OptionalLong.empty();
        }
        return ok.value();
    }

    /** If the test asked for it: announce the grant, and give the test time to freeze this JVM. */
    private boolean pauseIfAsked(String lock, long token) {
        try {
            if (!Files.deleteIfExists(control.resolve("pause-" + name))) {
                return false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        history.note(fields("event", "pause-ready", "session", "" + session, "lock", lock, "token", "" + token));
        System.out.println(name + ": holding " + lock + " with token " + token + " in session " + session
                + ", ready to be paused");
        sleep(PAUSE_WINDOW); // frozen in here by SIGSTOP, for longer than the TTL
        boolean noticed = client.lost(session);
        history.note(fields("event", "thawed", "session", "" + session, "noticed-loss", "" + noticed));
        System.out.println(name + ": thawed; noticed the session was lost: " + noticed);
        return true;
    }

    private <T> void record(long id, Reply<T> reply, Function<T, Map<String, String>> result) {
        if (reply instanceof Reply.Ok<T> ok) {
            history.ok(id, result.apply(ok.value()));
        } else if (reply instanceof Reply.Refused<T> refused) {
            history.fail(id, fields("code", refused.code(), "why", String.valueOf(refused.why())));
        } else if (reply instanceof Reply.Unknown<T> unknown) {
            history.info(id, fields("why", unknown.why()));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
