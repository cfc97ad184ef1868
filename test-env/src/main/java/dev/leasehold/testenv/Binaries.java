package dev.leasehold.testenv;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the control plane's programs are: the cache directory that {@code test-env/build.sh} filled, keyed by the
 * Kubernetes and etcd versions pinned in {@code test-env/go.mod}.
 *
 * @param dir               the directory holding {@code etcd}, {@code kube-apiserver}, {@code kube-controller-manager},
 *                          {@code kube-scheduler} and {@code kubectl}
 * @param kubernetesVersion the version the Kubernetes programs report, such as {@code v1.37.2}
 * @param etcdVersion       the version etcd reports, such as {@code v3.7.0}
 */
public record Binaries(Path dir, String kubernetesVersion, String etcdVersion) {

    private static final String RECORD = "binaries.properties";

    /** The binaries this module's build made (or found), as it recorded them. */
    public static Binaries fromBuild() {
        Properties p = new Properties();
        try (InputStream in = Binaries.class.getResourceAsStream(RECORD)) {
            if (in == null) {
                throw new IllegalStateException("the Kubernetes test binaries were not built with this jar (built with"
                        + " -DskipTests?): run test-env/build.sh, or build the test-env module without -DskipTests");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Binaries binaries = new Binaries(Path.of(p.getProperty("dir")), p.getProperty("kubernetes"),
                p.getProperty("etcd"));
        for (String program : new String[] {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                "kubectl"}) {
            if (!Files.isExecutable(binaries.program(program))) {
                throw new IllegalStateException(binaries.program(program)
                        + " is missing (cache cleared since the build?): run test-env/build.sh again");
            }
        }
        return binaries;
    }

    /** The path of one of the programs. */
    public Path program(String name) {
        return dir.resolve(name);
    }
}
