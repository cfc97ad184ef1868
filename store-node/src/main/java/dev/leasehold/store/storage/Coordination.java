package dev.leasehold.store.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.leasehold.api.command.v1.AcquireLock;
import dev.leasehold.api.command.v1.AcquireOutcome;
import dev.leasehold.api.command.v1.CancelAcquire;
import dev.leasehold.api.command.v1.GrantSession;
import dev.leasehold.api.command.v1.InvocationRecord;
import dev.leasehold.api.command.v1.LockRecord;
import dev.leasehold.api.command.v1.OwnerRecord;
import dev.leasehold.api.command.v1.Refusal;
import dev.leasehold.api.command.v1.ReleaseLock;
import dev.leasehold.api.command.v1.SessionRecord;
import dev.leasehold.api.command.v1.Waiter;
import dev.leasehold.api.v1.CancelAcquireResponse;
import dev.leasehold.api.v1.DrainResponse;
import dev.leasehold.api.v1.Fence;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.ReleaseResponse;
import dev.leasehold.api.v1.RevokeResponse;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sessions and fair locks: the part of the state machine that coordinates clients (DESIGN.md, "Sessions and
 * locks"). Deterministic: everything it decides follows from the entries applied, never from a clock; the leader's
 * clock acts only through the {@code ExpireSession} entries it proposes.
 *
 * <ul>
 *   <li>A session's id is the index of the entry that granted it. An owner key names at most one session ever:
 *       a repeated grant returns the live session, and after it ended the owner is a tombstone that refuses.</li>
 *   <li>A lock has at most one holder and a FIFO queue of waiters; waiters exist only while it is held. A grant's
 *       fencing token is the index of the granting entry, so the tokens of one lock strictly increase (one entry
 *       that frees several locks grants each at its index).</li>
 *   <li>When a lock passes on, the next waiter's session is checked again: a waiter whose session ended never
 *       receives it. The end of a session (revoke or expiry) releases what it held and drops what it queued.</li>
 *   <li>Acquire, release and cancel are remembered per session by invocation id (the last
 *       {@value #INVOCATIONS_KEPT}), so a retry is applied once and gets the first answer.</li>
 * </ul>
 *
 * <p>The records live in the column family {@value #FAMILY} of the state machine's database and in memory; the
 * memory is the truth during an apply, and every change is also written to the apply's batch. Not thread-safe by
 * itself: the state machine holds this object's monitor for a whole apply batch and every reader takes it too, so a
 * reader sees the state between two batches.
 */
public final class Coordination {

    static final String FAMILY = "coordination";
    /** Invocations remembered per session; a retry of an older one is answered as unknown. */
    static final int INVOCATIONS_KEPT = 1024;
    /** The shortest and longest session TTL; {@code RequestLimits} refuses others before they reach the log. */
    public static final long MIN_TTL_MILLIS = 1_000;
    public static final long MAX_TTL_MILLIS = 300_000;

    private static final byte SESSION = 's';
    private static final byte OWNER = 'o';
    private static final byte LOCK = 'l';
    private static final byte INVOCATION = 'i';

    /** Where changes go besides memory: the apply's write batch. */
    interface Writes {
        void put(byte[] key, byte[] value);

        void delete(byte[] key);
    }

    /** Something an apply did that a waiting caller may care about; reported after the batch is durable. */
    public sealed interface Event {
        /** A queued acquire was granted. */
        record Granted(String lock, long session, long invocation, long token) implements Event {
        }

        /** A session ended; its queued acquires are gone. */
        record Ended(long session) implements Event {
        }

        /**
         * Waiters of a lock moved up its queue because one ahead of them left without being granted (a cancel, or
         * the end of its session). A grant moves them up too; {@link Granted} says so by itself.
         */
        record Moved(String lock) implements Event {
        }

        /** The whole state was replaced (a snapshot was installed): anything may have changed. */
        record Reset() implements Event {
        }
    }

    private static final class LockState {
        final String name;
        long holder;
        long token;
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

        LockState(String name) {
            this.name = name;
        }

        LockRecord record() {
            return LockRecord.newBuilder().setName(name).setHolderSession(holder).setToken(token)
                    .addAllWaiters(waiters).build();
        }
    }

    private final TreeMap<Long, SessionRecord> sessions = new TreeMap<>();
    private final Map<String, OwnerRecord> owners = new TreeMap<>();
    private final Map<String, LockState> locks = new TreeMap<>();
    /** Per session: the locks it holds or waits for. */
    private final Map<Long, Set<String>> locksOf = new TreeMap<>();
    private final Map<Long, TreeMap<Long, InvocationRecord>> invocations = new TreeMap<>();
    private final List<Event> events = new ArrayList<>();

    // ---------------------------------------------------------------- loading

    /** Takes one stored record (key and value of the column family); used when the database opens. */
    void load(byte[] key, byte[] value) throws InvalidProtocolBufferException {
        ByteBuffer k = ByteBuffer.wrap(key);
        switch (k.get()) {
            case SESSION -> {
                SessionRecord s = SessionRecord.parseFrom(value);
                sessions.put(s.getId(), s);
            }
            case OWNER -> owners.put(new String(key, 1, key.length - 1, StandardCharsets.UTF_8),
                    OwnerRecord.parseFrom(value));
            case LOCK -> {
                LockRecord r = LockRecord.parseFrom(value);
                LockState l = new LockState(r.getName());
                l.holder = r.getHolderSession();
                l.token = r.getToken();
                l.waiters.addAll(r.getWaitersList());
                locks.put(l.name, l);
                if (l.holder != 0) {
                    locksOf.computeIfAbsent(l.holder, s -> new LinkedHashSet<>()).add(l.name);
                }
                l.waiters.forEach(w -> locksOf.computeIfAbsent(w.getSessionId(), s -> new LinkedHashSet<>())
                        .add(l.name));
            }
            case INVOCATION -> invocations.computeIfAbsent(k.getLong(), s -> new TreeMap<>())
                    .put(k.getLong(), InvocationRecord.parseFrom(value));
            default -> throw new InvalidProtocolBufferException("unknown coordination record kind " + key[0]);
        }
    }

    // ---------------------------------------------------------------- commands

    Message grant(long index, GrantSession g, Writes out) {
        if (g.getTtlMillis() < MIN_TTL_MILLIS || g.getTtlMillis() > MAX_TTL_MILLIS) {
            return refusal(Status.Code.INVALID_ARGUMENT, "ttl_millis: must be between " + MIN_TTL_MILLIS + " and "
                    + MAX_TTL_MILLIS + ", was " + g.getTtlMillis());
        }
        if (!g.getOwner().isEmpty()) {
            OwnerRecord owner = owners.get(g.getOwner());
            if (owner != null && owner.getEnded()) {
                return refusal(Status.Code.FAILED_PRECONDITION, "SESSION_ENDED: the session of owner "
                        + g.getOwner() + " (" + owner.getSessionId() + ") has ended; an owner never gets a second one");
            }
            if (owner != null) {
                SessionRecord s = sessions.get(owner.getSessionId());
                return GrantResponse.newBuilder().setSessionId(s.getId()).setTtlMillis(s.getTtlMillis()).build();
            }
            OwnerRecord record = OwnerRecord.newBuilder().setSessionId(index).build();
            owners.put(g.getOwner(), record);
            out.put(ownerKey(g.getOwner()), record.toByteArray());
        }
        SessionRecord s = SessionRecord.newBuilder().setId(index).setTtlMillis(g.getTtlMillis())
                .setOwner(g.getOwner()).build();
        sessions.put(index, s);
        out.put(sessionKey(index), s.toByteArray());
        return GrantResponse.newBuilder().setSessionId(index).setTtlMillis(g.getTtlMillis()).build();
    }

    /** Revocation by the client: ends the session, or refuses when it is not alive. */
    Message revoke(long index, long session, Writes out) {
        if (!sessions.containsKey(session)) {
            return notAlive(session);
        }
        return RevokeResponse.newBuilder().addAllReleasedLocks(end(index, session, out)).build();
    }

    /** Expiry decided by a leader's clock; nothing when the session has already ended. */
    void expire(long index, long session, Writes out) {
        if (sessions.containsKey(session)) {
            end(index, session, out);
        }
    }

    Message drain(long session, Writes out) {
        SessionRecord s = sessions.get(session);
        if (s == null) {
            return notAlive(session);
        }
        if (!s.getDraining()) {
            s = s.toBuilder().setDraining(true).build();
            sessions.put(session, s);
            out.put(sessionKey(session), s.toByteArray());
        }
        return DrainResponse.getDefaultInstance();
    }

    Message acquire(long index, AcquireLock a, Writes out) {
        long session = a.getSessionId();
        if (!sessions.containsKey(session)) {
            return notAlive(session);
        }
        Optional<InvocationRecord> earlier = remembered(session, a.getInvocationId());
        if (earlier.isPresent()) {
            return repeatAcquire(a, earlier.get());
        }
        LockState lock = locks.get(a.getName());
        if (lock == null || lock.holder == 0) {
            lock = lock != null ? lock : new LockState(a.getName());
            locks.put(lock.name, lock);
            lock.holder = session;
            lock.token = index;
            locksOf.computeIfAbsent(session, s -> new LinkedHashSet<>()).add(lock.name);
            write(lock, out);
            remember(session, a.getInvocationId(), InvocationRecord.newBuilder().setLock(lock.name)
                    .setToken(index).build(), out);
            return AcquireOutcome.newBuilder().setToken(index).build();
        }
        if (lock.holder == session) {
            return refusal(Status.Code.FAILED_PRECONDITION, "session " + session + " already holds lock "
                    + lock.name + " (token " + lock.token + ")");
        }
        if (lock.waiters.stream().anyMatch(w -> w.getSessionId() == session)) {
            return refusal(Status.Code.FAILED_PRECONDITION, "session " + session + " already waits for lock "
                    + lock.name + " under another invocation id");
        }
        if (a.getTryOnly()) {
            remember(session, a.getInvocationId(), InvocationRecord.newBuilder().setLock(lock.name)
                    .setRefused(true).build(), out);
            return AcquireOutcome.newBuilder().setHolderSession(lock.holder).setHolderToken(lock.token).build();
        }
        lock.waiters.addLast(Waiter.newBuilder().setSessionId(session).setInvocationId(a.getInvocationId()).build());
        locksOf.computeIfAbsent(session, s -> new LinkedHashSet<>()).add(lock.name);
        write(lock, out);
        remember(session, a.getInvocationId(), InvocationRecord.newBuilder().setLock(lock.name).build(), out);
        return AcquireOutcome.newBuilder().setPosition(lock.waiters.size()).build();
    }

    private Message repeatAcquire(AcquireLock a, InvocationRecord first) {
        if (first.getKind() != InvocationRecord.Kind.ACQUIRE || !first.getLock().equals(a.getName())) {
            return refusal(Status.Code.INVALID_ARGUMENT, "invocation_id: " + a.getInvocationId() + " of session "
                    + a.getSessionId() + " was used for another request (" + first.getKind() + " of lock "
                    + first.getLock() + ")");
        }
        if (first.getToken() != 0) {
            return AcquireOutcome.newBuilder().setToken(first.getToken()).build();
        }
        LockState lock = locks.get(a.getName());
        int position = lock == null ? -1 : position(lock, a.getSessionId(), a.getInvocationId());
        if (position > 0) {
            return AcquireOutcome.newBuilder().setPosition(position).build();
        }
        AcquireOutcome.Builder refused = AcquireOutcome.newBuilder();
        if (lock != null && lock.holder != 0) {
            refused.setHolderSession(lock.holder).setHolderToken(lock.token);
        }
        return refused.build();
    }

    Message cancel(CancelAcquire c, Writes out) {
        long session = c.getSessionId();
        if (!sessions.containsKey(session)) {
            return notAlive(session);
        }
        Optional<InvocationRecord> earlier = remembered(session, c.getInvocationId());
        if (earlier.isEmpty()) {
            // The acquire has not arrived (yet): a client that gave up waiting may have sent it just before, and
            // it may still be applied. Remembered as refused, it will be, so the lock cannot go to a caller that
            // no longer waits for it.
            remember(session, c.getInvocationId(), InvocationRecord.newBuilder().setLock(c.getName())
                    .setRefused(true).build(), out);
            return CancelAcquireResponse.newBuilder().setCancelled(true).build();
        }
        if (earlier.get().getKind() != InvocationRecord.Kind.ACQUIRE || !earlier.get().getLock().equals(c.getName())) {
            return CancelAcquireResponse.newBuilder().setCancelled(false).build();
        }
        InvocationRecord first = earlier.get();
        if (first.getToken() != 0) {
            return CancelAcquireResponse.newBuilder().setCancelled(false).setGrantedToken(first.getToken()).build();
        }
        LockState lock = locks.get(c.getName());
        boolean removed = lock != null && lock.waiters.removeIf(w -> w.getSessionId() == session
                && w.getInvocationId() == c.getInvocationId());
        if (removed) {
            write(lock, out);
            forgetLockOf(session, lock);
            events.add(new Event.Moved(lock.name));
            remember(session, c.getInvocationId(), first.toBuilder().setRefused(true).build(), out);
        }
        return CancelAcquireResponse.newBuilder().setCancelled(removed).build();
    }

    Message release(long index, ReleaseLock r, Writes out) {
        long session = r.getSessionId();
        if (!sessions.containsKey(session)) {
            return ReleaseResponse.newBuilder().setReleased(false).build(); // ending the session released it
        }
        Optional<InvocationRecord> earlier = r.getInvocationId() == 0 ? Optional.empty()
                : remembered(session, r.getInvocationId());
        if (earlier.isPresent()) {
            InvocationRecord first = earlier.get();
            if (first.getKind() != InvocationRecord.Kind.RELEASE || !first.getLock().equals(r.getName())) {
                return refusal(Status.Code.INVALID_ARGUMENT, "invocation_id: " + r.getInvocationId()
                        + " of session " + session + " was used for another request (" + first.getKind()
                        + " of lock " + first.getLock() + ")");
            }
            return ReleaseResponse.newBuilder().setReleased(first.getToken() != 0).build();
        }
        LockState lock = locks.get(r.getName());
        boolean released = lock != null && lock.holder == session && lock.token == r.getToken();
        if (released) {
            forgetLockOf(session, lock);
            passOn(index, lock, out);
        }
        if (r.getInvocationId() != 0) {
            remember(session, r.getInvocationId(), InvocationRecord.newBuilder().setLock(r.getName())
                    .setKind(InvocationRecord.Kind.RELEASE).setToken(released ? r.getToken() : 0).build(), out);
        }
        return ReleaseResponse.newBuilder().setReleased(released).build();
    }

    /** Whether {@code token} is the current grant of {@code lock}. */
    public synchronized boolean validates(String lock, long token) {
        LockState l = locks.get(lock);
        return l != null && l.holder != 0 && l.token == token;
    }

    /** Null when the fence holds (or there is none), else the refusal to answer with. */
    Refusal checkFence(Fence fence) {
        if (fence.getLock().isEmpty() && fence.getToken() == 0) {
            return null;
        }
        LockState lock = locks.get(fence.getLock());
        if (lock != null && lock.holder != 0 && lock.token == fence.getToken()) {
            return null;
        }
        return refusal(Status.Code.FAILED_PRECONDITION, "fence: token " + fence.getToken() + " of lock "
                + fence.getLock() + " is stale" + (lock == null || lock.holder == 0 ? " (the lock is free)"
                : " (the holder's token is " + lock.token + ")"));
    }

    // ---------------------------------------------------------------- the end of a session

    private List<String> end(long index, long session, Writes out) {
        SessionRecord s = sessions.remove(session);
        out.delete(sessionKey(session));
        if (!s.getOwner().isEmpty()) {
            OwnerRecord tombstone = OwnerRecord.newBuilder().setSessionId(session).setEnded(true).build();
            owners.put(s.getOwner(), tombstone);
            out.put(ownerKey(s.getOwner()), tombstone.toByteArray());
        }
        List<String> released = new ArrayList<>();
        for (String name : locksOf.getOrDefault(session, Set.of())) {
            LockState lock = locks.get(name);
            if (lock.holder == session) {
                released.add(name);
                passOn(index, lock, out);
            } else {
                lock.waiters.removeIf(w -> w.getSessionId() == session);
                write(lock, out);
                events.add(new Event.Moved(name));
            }
        }
        locksOf.remove(session);
        TreeMap<Long, InvocationRecord> remembered = invocations.remove(session);
        if (remembered != null) {
            remembered.keySet().forEach(id -> out.delete(invocationKey(session, id)));
        }
        events.add(new Event.Ended(session));
        return released;
    }

    /** The holder is gone: the lock goes to the first waiter whose session lives, at {@code index}, or is freed. */
    private void passOn(long index, LockState lock, Writes out) {
        lock.holder = 0;
        lock.token = 0;
        while (!lock.waiters.isEmpty()) {
            Waiter next = lock.waiters.pollFirst();
            if (!sessions.containsKey(next.getSessionId())) {
                continue; // checked again at its turn: a waiter whose session ended never gets the lock
            }
            lock.holder = next.getSessionId();
            lock.token = index;
            InvocationRecord granted = InvocationRecord.newBuilder().setLock(lock.name).setToken(index).build();
            remember(next.getSessionId(), next.getInvocationId(), granted, out);
            events.add(new Event.Granted(lock.name, next.getSessionId(), next.getInvocationId(), index));
            break;
        }
        if (lock.holder == 0 && lock.waiters.isEmpty()) {
            locks.remove(lock.name);
            out.delete(lockKey(lock.name));
        } else {
            write(lock, out);
        }
    }

    private void forgetLockOf(long session, LockState lock) {
        Set<String> names = locksOf.get(session);
        if (names != null) {
            names.remove(lock.name);
            if (names.isEmpty()) {
                locksOf.remove(session);
            }
        }
    }

    // ---------------------------------------------------------------- invocations

    private void remember(long session, long id, InvocationRecord record, Writes out) {
        TreeMap<Long, InvocationRecord> remembered = invocations.computeIfAbsent(session, s -> new TreeMap<>());
        remembered.put(id, record);
        out.put(invocationKey(session, id), record.toByteArray());
        while (remembered.size() > INVOCATIONS_KEPT) {
            out.delete(invocationKey(session, remembered.pollFirstEntry().getKey()));
        }
    }

    // ---------------------------------------------------------------- reads

    /** The events since the last call, in order. */
    List<Event> drainEvents() {
        List<Event> out = List.copyOf(events);
        events.clear();
        return out;
    }

    public synchronized Optional<SessionRecord> session(long id) {
        return Optional.ofNullable(sessions.get(id));
    }

    /** Every live session, in id order. */
    public synchronized List<SessionRecord> sessions() {
        return List.copyOf(sessions.values());
    }

    /** The locks {@code session} holds, in the order it got them. */
    public synchronized List<String> heldBy(long session) {
        return locksOf.getOrDefault(session, Set.of()).stream()
                .filter(name -> locks.get(name).holder == session).toList();
    }

    /** Holder session and token of a held lock, and its waiting sessions in order. */
    public synchronized Optional<LockRecord> lock(String name) {
        LockState lock = locks.get(name);
        return Optional.ofNullable(lock == null ? null : lock.record());
    }

    /** 1 for next in line; 0 when the invocation does not wait for {@code lock}. */
    public synchronized int position(String lock, long session, long invocation) {
        LockState l = locks.get(lock);
        return l == null ? 0 : Math.max(0, position(l, session, invocation));
    }

    private static int position(LockState lock, long session, long invocation) {
        int position = 1;
        for (Iterator<Waiter> it = lock.waiters.iterator(); it.hasNext(); position++) {
            Waiter w = it.next();
            if (w.getSessionId() == session && w.getInvocationId() == invocation) {
                return position;
            }
        }
        return -1;
    }

    /** What the state machine remembers of an invocation, if anything. */
    public synchronized Optional<InvocationRecord> remembered(long session, long invocation) {
        TreeMap<Long, InvocationRecord> remembered = invocations.get(session);
        return Optional.ofNullable(remembered == null ? null : remembered.get(invocation));
    }

    // ---------------------------------------------------------------- encoding

    private void write(LockState lock, Writes out) {
        out.put(lockKey(lock.name), lock.record().toByteArray());
    }

    private static Refusal notAlive(long session) {
        return refusal(Status.Code.INVALID_ARGUMENT, "session_id: no live session " + session
                + " (it ended or was never granted)");
    }

    static Refusal refusal(Status.Code code, String message) {
        return Refusal.newBuilder().setCode(code.value()).setMessage(message).build();
    }

    static byte[] sessionKey(long id) {
        return ByteBuffer.allocate(9).put(SESSION).putLong(id).array();
    }

    static byte[] ownerKey(String owner) {
        return prefixed(OWNER, owner);
    }

    static byte[] lockKey(String name) {
        return prefixed(LOCK, name);
    }

    static byte[] invocationKey(long session, long id) {
        return ByteBuffer.allocate(17).put(INVOCATION).putLong(session).putLong(id).array();
    }

    private static byte[] prefixed(byte kind, String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + utf8.length).put(kind).put(utf8).array();
    }
}
