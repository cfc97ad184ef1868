package dev.leasehold.localnode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How this node runs one of the project's images without a container runtime: this build's JVM program for that
 * component, whatever the tag (the tag is passed in {@code LEASEHOLD_IMAGE_TAG}, so a change of tag is still a real
 * restart of every Pod, as a rolling upgrade is).
 *
 * @param repository the image repository it stands for, such as {@code ghcr.io/leasehold/store-node}
 * @param classPath  the class path, or a single executable jar when {@code mainClass} is empty
 * @param mainClass  the main class; empty to run {@code classPath} with {@code -jar}
 * @param jvmOptions options for the JVM, before the program; {@code {POD_IP}} stands for the Pod's address
 */
public record Launcher(String repository, String classPath, Optional<String> mainClass, List<String> jvmOptions) {

    public static final String STORE_NODE = "ghcr.io/leasehold/store-node";
    public static final String OPERATOR = "ghcr.io/leasehold/operator";

    public Launcher {
        jvmOptions = List.copyOf(jvmOptions);
    }

    /** The store node: {@code dev.leasehold.store.StoreNodeMain} on {@code classPath}. */
    public static Launcher storeNode(String classPath) {
        return new Launcher(STORE_NODE, classPath, Optional.of("dev.leasehold.store.StoreNodeMain"), List.of());
    }

    /**
     * The operator, a Quarkus application ({@code quarkus-app/quarkus-run.jar}); its HTTP server (health and metrics)
     * listens on the Pod's address, where in a container it would take all of the Pod's interfaces.
     */
    public static Launcher operator(Path quarkusRunJar) {
        return new Launcher(OPERATOR, quarkusRunJar.toString(), Optional.empty(),
                List.of("-Dquarkus.http.host={POD_IP}"));
    }

    /** The command line: {@code java}, the node's options, this launcher's, then the program and its arguments. */
    List<String> command(String java, List<String> nodeOptions, String podIp, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(nodeOptions);
        jvmOptions.forEach(o -> command.add(o.replace("{POD_IP}", podIp)));
        if (mainClass.isPresent()) {
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass.get());
        } else {
            command.add("-jar");
            command.add(classPath);
        }
        command.addAll(arguments);
        return command;
    }

    /** An image reference split into repository and tag ({@code latest} when it names none; digests kept). */
    record ImageRef(String repository, String tag) {
        static ImageRef parse(String image) {
            String name = image;
            String digest = "";
            int at = name.indexOf('@');
            if (at >= 0) {
                digest = name.substring(at + 1);
                name = name.substring(0, at);
            }
            int slash = name.lastIndexOf('/');
            int colon = name.lastIndexOf(':');
            if (colon > slash) {
                return new ImageRef(name.substring(0, colon), name.substring(colon + 1));
            }
            return new ImageRef(name, digest.isEmpty() ? "latest" : digest);
        }
    }

    /** The launcher for {@code image} among {@code launchers} (by repository), if there is one. */
    static Optional<Launcher> forImage(Map<String, Launcher> launchers, String image) {
        return Optional.ofNullable(launchers.get(ImageRef.parse(image).repository()));
    }
}
