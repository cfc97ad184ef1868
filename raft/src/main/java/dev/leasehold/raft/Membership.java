package dev.leasehold.raft;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A cluster configuration: who votes, who only receives the log, and which ids were removed and may never
 * return. It is stored whole in {@link EntryType#CONFIG} entries and in snapshots.
 *
 * @param voters   the servers whose majority decides elections and commitment
 * @param learners the servers that receive the log but neither vote nor count for commitment
 * @param removed  ids that were once members and can never be used again
 */
public record Membership(SortedSet<Long> voters, SortedSet<Long> learners, SortedSet<Long> removed) {

    /** The membership of a node that has not joined any cluster yet. */
    public static final Membership EMPTY = new Membership(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());

    public Membership {
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSortedSet(new TreeSet<>(learners));
        removed = Collections.unmodifiableSortedSet(new TreeSet<>(removed));
        for (long id : voters) {
            if (id <= 0 || learners.contains(id) || removed.contains(id)) {
                throw new IllegalArgumentException("invalid voter id " + id);
            }
        }
        for (long id : learners) {
            if (id <= 0 || removed.contains(id)) {
                throw new IllegalArgumentException("invalid learner id " + id);
            }
        }
    }

    /** A first membership made of the given voters. */
    public static Membership ofVoters(Collection<Long> voters) {
        return new Membership(new TreeSet<>(voters), new TreeSet<>(), new TreeSet<>());
    }

    public boolean isVoter(long id) {
        return voters.contains(id);
    }

    public boolean isLearner(long id) {
        return learners.contains(id);
    }

    public boolean isMember(long id) {
        return voters.contains(id) || learners.contains(id);
    }

    /** Voters and learners, in id order. */
    public SortedSet<Long> members() {
        TreeSet<Long> all = new TreeSet<>(voters);
        all.addAll(learners);
        return all;
    }

    /** The number of voters that make a majority. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /**
     * The membership after {@code change}.
     *
     * @throws IllegalArgumentException naming the reason when the change does not apply to this membership
     */
    public Membership apply(ConfChange change) {
        long id = change.nodeId();
        TreeSet<Long> v = new TreeSet<>(voters);
        TreeSet<Long> l = new TreeSet<>(learners);
        TreeSet<Long> r = new TreeSet<>(removed);
        switch (change.type()) {
            case ADD_LEARNER -> {
                if (removed.contains(id)) {
                    throw new IllegalArgumentException("node id " + id + " was removed and cannot be reused");
                }
                if (isMember(id)) {
                    throw new IllegalArgumentException("node id " + id + " is already a member");
                }
                l.add(id);
            }
            case PROMOTE -> {
                if (!learners.contains(id)) {
                    throw new IllegalArgumentException("node id " + id + " is not a learner");
                }
                l.remove(id);
                v.add(id);
            }
            case REMOVE -> {
                if (!isMember(id)) {
                    throw new IllegalArgumentException("node id " + id + " is not a member");
                }
                if (voters.contains(id) && voters.size() == 1) {
                    throw new IllegalArgumentException("node id " + id + " is the last voter");
                }
                v.remove(id);
                l.remove(id);
                r.add(id);
            }
        }
        return new Membership(v, l, r);
    }

    /** The bytes stored in a {@link EntryType#CONFIG} entry. */
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeIds(out, voters);
            writeIds(out, learners);
            writeIds(out, removed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not an encoded membership
     */
    public static Membership decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            Membership m = new Membership(readIds(in), readIds(in), readIds(in));
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes after membership");
            }
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt membership: " + e, e);
        }
    }

    private static void writeIds(DataOutputStream out, SortedSet<Long> ids) throws IOException {
        out.writeInt(ids.size());
        for (long id : ids) {
            out.writeLong(id);
        }
    }

    private static TreeSet<Long> readIds(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 100_000) {
            throw new IOException("bad id count " + n);
        }
        TreeSet<Long> ids = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(in.readLong());
        }
        return ids;
    }

    @Override
    public String toString() {
        return "Membership[voters=" + voters + ", learners=" + learners + ", removed=" + removed + "]";
    }
}
