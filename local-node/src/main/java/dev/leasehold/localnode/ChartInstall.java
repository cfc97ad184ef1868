package dev.leasehold.localnode;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs the Helm chart with Helm's own library, in a JVM of its own. Helm's library is Go, loaded through JNA,
 * and the Go runtime takes over the process's signal handlers: a JVM that loaded it no longer runs its shutdown hooks
 * on SIGTERM or Ctrl-C. So {@link DevKubernetes}, which must stop its processes on those, installs through this.
 */
public final class ChartInstall {

    private static final long TIMEOUT_MINUTES = 3;

    private ChartInstall() {
    }

    /** Arguments: chart directory, release name, namespace, kubeconfig, then {@code key=value} settings. */
    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: ChartInstall CHART RELEASE NAMESPACE KUBECONFIG [KEY=VALUE...]");
            System.exit(2);
        }
        var install = new Helm(Path.of(args[0])).install().withName(args[1]).withNamespace(args[2])
                .createNamespace().withKubeConfig(Path.of(args[3]));
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            install = install.set(kv[0], kv[1]);
        }
        System.out.println("release " + args[1] + ": " + install.call().getStatus());
        System.exit(0);
    }

    /** Runs {@link #main} in a child JVM on this JVM's class path; returns its output, or throws with it. */
    static String run(Path chart, String release, String namespace, Path kubeconfig, List<String> settings) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-cp", System.getProperty("java.class.path"), ChartInstall.class.getName(),
                chart.toString(), release, namespace, kubeconfig.toString()));
        command.addAll(settings);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("helm install of " + chart + " did not finish in "
                        + TIMEOUT_MINUTES + " minutes");
            }
            String text = new String(output).trim();
            if (process.exitValue() != 0) {
                throw new IllegalStateException("helm install of " + chart + " failed: " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run helm install of " + chart, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing " + chart, e);
        }
    }
}
