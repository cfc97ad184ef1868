package dev.leasehold.operator.lease;

/** Where a claim stands. {@link #Expired}, {@link #Released} and {@link #Failed} are final. */
public enum LeasePhase {
    /** Not yet known to the store. */
    Pending,
    /** Queued behind the current holder. */
    Waiting,
    /** The holder has the lock. */
    Held,
    /** The session ended without a release. */
    Expired,
    /** The holder released the lock. */
    Released,
    /** The claim cannot be served, for the reason its condition gives. */
    Failed
}
