package dev.leasehold.linearizability;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared histories with known answers are: the module's surefire configuration says. */
final class TestData {

    static final String PROPERTY = "leasehold.linearizability.testdata";

    private TestData() {
    }

    /** The directory, or a failure that says how to provide it. Never a skip: a missing answer is a failure. */
    static Path directory() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            throw new IllegalStateException("system property " + PROPERTY + " is not set: run the tests through"
                    + " Maven (./mvnw -pl linearizability test), whose surefire configuration sets it to"
                    + " ${maven.multiModuleProjectDirectory}/../shared/testdata/linearizability");
        }
        Path dir = Path.of(configured).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("etcd-register")) || !Files.isDirectory(dir.resolve("kv"))) {
            throw new IllegalStateException("the linearizability test data is missing: expected etcd-register/ and"
                    + " kv/ under " + dir + " (" + PROPERTY + "); the shared/ directory must sit beside the"
                    + " repository checkout");
        }
        return dir;
    }
}
