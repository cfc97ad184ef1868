package dev.leasehold.store.storage;

import java.nio.file.Path;

/**
 * The data directory of a store node holds something that cannot be what this node wrote: a checksum that does
 * not verify, a gap in the log, a commit index beyond the last entry, files RocksDB cannot read. The node stops
 * here, because carrying on would mean truncating or ignoring data that may already be committed or
 * acknowledged; an operator decides what to do (typically: remove this member and add a fresh one, which gets a
 * snapshot from the leader).
 */
public final class StoreCorruptedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path dataDir;
    private final String problem;

    public StoreCorruptedException(Path dataDir, String problem) {
        this(dataDir, problem, null);
    }

    public StoreCorruptedException(Path dataDir, String problem, Throwable cause) {
        super("the data in " + dataDir + " is corrupted: " + problem + ". The node refuses to start rather than "
                + "truncate or ignore committed data; replace this member (remove it and add a new one, which gets "
                + "a snapshot from the leader) or repair the directory by hand", cause);
        this.dataDir = dataDir;
        this.problem = problem;
    }

    /** The directory that holds the corrupted store. */
    public Path dataDir() {
        return dataDir;
    }

    /** What exactly is wrong, without the advice around it. */
    public String problem() {
        return problem;
    }
}
