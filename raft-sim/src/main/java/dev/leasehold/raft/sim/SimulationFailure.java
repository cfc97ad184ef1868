package dev.leasehold.raft.sim;

/** An invariant the simulation checks was violated. */
public final class SimulationFailure extends RuntimeException {
    public SimulationFailure(String message) {
        super(message);
    }
}
