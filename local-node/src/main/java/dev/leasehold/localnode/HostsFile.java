package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Cluster DNS for the node's processes, as a hosts file they are started with ({@code -Djdk.net.hosts.file}): the
 * API server cannot publish loopback Pod addresses in EndpointSlices, so the node names them itself.
 *
 * <ul>
 *   <li>a Pod with a {@code hostname} and a {@code subdomain} that a headless Service of its namespace selects is
 *       {@code HOSTNAME.SUBDOMAIN.NAMESPACE.svc[.cluster.local]}, while the Service publishes it (it is Ready, or the
 *       Service publishes not-ready addresses);</li>
 *   <li>a Service is {@code NAME.NAMESPACE.svc[.cluster.local]}, with the addresses of the Pods it selects and
 *       publishes (there is no virtual IP);</li>
 *   <li>{@code localhost} and this machine's host name are 127.0.0.1, since the file replaces the JVM's resolver.</li>
 * </ul>
 *
 * The file is replaced atomically, and only when its content changes.
 */
final class HostsFile {

    static final String CLUSTER_DOMAIN = "cluster.local";

    private final Path file;
    private final String hostName;
    private String written;

    HostsFile(Path file, String hostName) {
        this.file = file;
        this.hostName = hostName;
    }

    Path path() {
        return file;
    }

    /** Rewrites the file for these Pods (those with an address) and Services; true if it changed. */
    synchronized boolean update(Collection<Pod> pods, Collection<Service> services) {
        String content = render(pods, services, hostName);
        if (content.equals(written)) {
            return false;
        }
        try {
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the hosts file " + file, e);
        }
        written = content;
        return true;
    }

    static String render(Collection<Pod> pods, Collection<Service> services, String hostName) {
        Map<String, Set<String>> namesByAddress = new TreeMap<>();
        for (Service service : services) {
            if (service.getSpec() == null || service.getSpec().getSelector() == null
                    || service.getSpec().getSelector().isEmpty()) {
                continue; // without a selector there is nothing the node knows to point it at
            }
            String namespace = service.getMetadata().getNamespace();
            String name = service.getMetadata().getName();
            boolean headless = "None".equals(service.getSpec().getClusterIP());
            boolean notReadyToo = Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
            for (Pod pod : pods) {
                Optional<String> address = address(pod);
                if (address.isEmpty() || !namespace.equals(pod.getMetadata().getNamespace())
                        || !selects(service.getSpec().getSelector(), pod) || !(notReadyToo || ready(pod))
                        || pod.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                Set<String> names = namesByAddress.computeIfAbsent(address.get(), a -> new TreeSet<>());
                names.addAll(serviceNames(name, namespace));
                if (headless && name.equals(pod.getSpec().getSubdomain()) && pod.getSpec().getHostname() != null) {
                    names.addAll(serviceNames(pod.getSpec().getHostname() + "." + name, namespace));
                }
            }
        }
        StringBuilder out = new StringBuilder("# written by the Leasehold local node; replaced as Pods come and go\n");
        out.append("127.0.0.1 localhost");
        if (hostName != null && !hostName.isBlank() && !hostName.equals("localhost")) {
            out.append(' ').append(hostName);
        }
        out.append('\n');
        namesByAddress.forEach((address, names) -> names.forEach(n -> out.append(address).append(' ').append(n)
                .append('\n')));
        return out.toString();
    }

    private static List<String> serviceNames(String name, String namespace) {
        return List.of(name + "." + namespace + ".svc", name + "." + namespace + ".svc." + CLUSTER_DOMAIN);
    }

    private static Optional<String> address(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(s -> s.getPodIP()).filter(ip -> !ip.isBlank());
    }

    static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean selects(Map<String, String> selector, Pod pod) {
        Map<String, String> labels = Objects.requireNonNullElse(pod.getMetadata().getLabels(), Map.of());
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
