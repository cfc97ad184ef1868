package dev.leasehold.kubernetes;

/** The claim is lost, for good: the holder must stop acting on the lock. */
public final class ClaimLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ClaimLostException(String claim, String why) {
        super("claim " + claim + " is lost: " + why);
    }
}
