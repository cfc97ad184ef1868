package dev.leasehold.raft.sim;

import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.Membership;
import java.nio.ByteBuffer;
import java.util.TreeSet;

/**
 * The simulated application: a set of proposal ids, with a digest of every entry applied so far so that two
 * nodes' states can be compared index by index.
 */
final class SimStateMachine {

    long appliedIndex;
    long digest;
    Membership membership = Membership.EMPTY;
    final TreeSet<Long> proposalIds = new TreeSet<>();

    void apply(Entry e) {
        if (e.index() != appliedIndex + 1) {
            throw new SimulationFailure("applied entry " + e.index() + " after " + appliedIndex + ": a gap");
        }
        appliedIndex = e.index();
        digest = digest * 1_000_003L + e.index() * 31 + java.util.Arrays.hashCode(e.data()) + e.type().ordinal();
        if (e.type() == EntryType.CONFIG) {
            membership = Membership.decode(e.data());
        } else if (e.data().length == Long.BYTES) {
            proposalIds.add(ByteBuffer.wrap(e.data()).getLong());
        }
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(Long.BYTES * (3 + proposalIds.size()));
        b.putLong(appliedIndex).putLong(digest).putLong(proposalIds.size());
        proposalIds.forEach(b::putLong);
        return b.array();
    }

    static SimStateMachine decode(byte[] data, Membership membership) {
        SimStateMachine sm = new SimStateMachine();
        sm.membership = membership;
        if (data.length == 0) {
            return sm;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        sm.appliedIndex = b.getLong();
        sm.digest = b.getLong();
        long n = b.getLong();
        for (long i = 0; i < n; i++) {
            sm.proposalIds.add(b.getLong());
        }
        return sm;
    }

    static byte[] proposal(long id) {
        return ByteBuffer.allocate(Long.BYTES).putLong(id).array();
    }
}
