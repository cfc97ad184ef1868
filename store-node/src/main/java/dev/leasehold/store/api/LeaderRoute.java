package dev.leasehold.store.api;

import dev.leasehold.raft.RaftNode;
import dev.leasehold.raft.RaftStatus;
import dev.leasehold.raft.Role;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.StoreException;
import dev.leasehold.store.fault.PeerIsolation;
import io.grpc.Channel;
import java.util.Optional;
import java.util.function.LongFunction;

/** Where a request that needs the leader goes: served here, or forwarded once to the leader. */
public final class LeaderRoute {

    private final RaftDriver driver;
    private final LongFunction<Optional<String>> addressOf;
    private final Forwarding forwarding;
    private final PeerIsolation isolation;

    public LeaderRoute(RaftDriver driver, LongFunction<Optional<String>> addressOf, Forwarding forwarding,
                       PeerIsolation isolation) {
        this.driver = driver;
        this.addressOf = addressOf;
        this.forwarding = forwarding;
        this.isolation = isolation;
    }

    public boolean leadsNow() {
        return driver.status().role() == Role.LEADER;
    }

    /**
     * A channel to the leader for a request this node cannot serve itself.
     *
     * @throws StoreException UNAVAILABLE when no leader is known, the request was already forwarded once, or fault
     *                        injection cut this node off from the leader
     */
    public Channel leaderChannel() {
        if (Forwarding.currentRequestWasForwarded()) {
            throw StoreException.notApplied("node " + driver.id() + " no longer leads; retry");
        }
        RaftStatus s = driver.status();
        if (s.leader() == RaftNode.NONE || s.leader() == driver.id()) {
            throw StoreException.notApplied("no leader is known (an election may be under way); retry");
        }
        if (isolation.cuts(s.leader())) {
            throw StoreException.notApplied("this node is cut off from leader " + s.leader()
                    + " (fault injection); retry");
        }
        String address = addressOf.apply(s.leader()).orElseThrow(() -> StoreException.notApplied(
                "the address of leader " + s.leader() + " is not known here; retry"));
        return forwarding.to(address);
    }
}
