package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment and arguments as a kubelet computes them: {@code envFrom} first, then {@code env} in
 * order, each value expanded with {@code $(NAME)} references to the variables defined before it ({@code $$} is a
 * literal {@code $}; an undefined reference stays as written), and {@code valueFrom} read from the Pod itself
 * (downward API), a ConfigMap, a Secret or the container's resources. Arguments are expanded with the finished
 * environment. Pure: the ConfigMaps and Secrets are looked up through the functions given.
 */
final class ContainerEnv {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern LABEL_PATH = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)']");

    /** A reference that cannot be resolved yet (a missing ConfigMap, Secret or key that is not optional). */
    static final class Unresolved extends RuntimeException {
        Unresolved(String message) {
            super(message);
        }
    }

    private final Pod pod;
    private final String podIp;
    private final String hostIp;
    private final Function<String, Optional<ConfigMap>> configMaps;
    private final Function<String, Optional<Secret>> secrets;

    ContainerEnv(Pod pod, String podIp, String hostIp, Function<String, Optional<ConfigMap>> configMaps,
                 Function<String, Optional<Secret>> secrets) {
        this.pod = pod;
        this.podIp = podIp;
        this.hostIp = hostIp;
        this.configMaps = configMaps;
        this.secrets = secrets;
    }

    /** The environment of {@code container}, in definition order; throws {@link Unresolved}. */
    Map<String, String> environment(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : Objects.requireNonNullElse(container.getEnvFrom(), List.<EnvFromSource>of())) {
            String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
            if (from.getConfigMapRef() != null) {
                String name = from.getConfigMapRef().getName();
                Optional<ConfigMap> map = configMaps.apply(name);
                if (map.isEmpty() && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                    throw new Unresolved("configmap \"" + name + "\" not found");
                }
                map.map(ConfigMap::getData).ifPresent(data -> data.forEach((k, v) -> env.put(prefix + k, v)));
            }
            if (from.getSecretRef() != null) {
                String name = from.getSecretRef().getName();
                Optional<Secret> secret = secrets.apply(name);
                if (secret.isEmpty() && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                    throw new Unresolved("secret \"" + name + "\" not found");
                }
                secret.ifPresent(s -> secretData(s).forEach((k, v) -> env.put(prefix + k, v)));
            }
        }
        for (EnvVar var : Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
            String value = var.getValueFrom() != null ? valueFrom(container, var.getName(), var.getValueFrom())
                    : expand(Objects.requireNonNullElse(var.getValue(), ""), env);
            if (value != null) {
                env.put(var.getName(), value);
            }
        }
        return env;
    }

    /** The command and arguments, expanded with {@code env}. */
    static List<String> expandAll(List<String> words, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String word : Objects.requireNonNullElse(words, List.<String>of())) {
            out.add(expand(word, env));
        }
        return out;
    }

    static String expand(String value, Map<String, String> env) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group().equals("$$") ? "$" : env.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String valueFrom(Container container, String name, EnvVarSource source) {
        if (source.getFieldRef() != null) {
            return field(source.getFieldRef(), name);
        }
        if (source.getResourceFieldRef() != null) {
            return resource(container, source.getResourceFieldRef());
        }
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            Optional<String> value = configMaps.apply(ref.getName())
                    .map(c -> Objects.requireNonNullElse(c.getData(), Map.<String, String>of()).get(ref.getKey()));
            return required(value, Boolean.TRUE.equals(ref.getOptional()),
                    "key \"" + ref.getKey() + "\" of configmap \"" + ref.getName() + "\" not found");
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            Optional<String> value = secrets.apply(ref.getName()).map(s -> secretData(s).get(ref.getKey()));
            return required(value, Boolean.TRUE.equals(ref.getOptional()),
                    "key \"" + ref.getKey() + "\" of secret \"" + ref.getName() + "\" not found");
        }
        throw new Unresolved("env " + name + ": valueFrom names no source this node supports");
    }

    private static String required(Optional<String> value, boolean optional, String missing) {
        if (value.isEmpty() && !optional) {
            throw new Unresolved(missing);
        }
        return value.orElse(null);
    }

    private String field(ObjectFieldSelector selector, String name) {
        return field(selector.getFieldPath(), "env " + name);
    }

    /** A downward-API field of the Pod; {@code user} names what asks, for the error. */
    String field(String path, String user) {
        Matcher labelOrAnnotation = LABEL_PATH.matcher(path);
        if (labelOrAnnotation.matches()) {
            Map<String, String> map = labelOrAnnotation.group(1).equals("labels") ? pod.getMetadata().getLabels()
                    : pod.getMetadata().getAnnotations();
            return Objects.requireNonNullElse(map, Map.<String, String>of()).getOrDefault(labelOrAnnotation.group(2),
                    "");
        }
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "spec.nodeName" -> pod.getSpec().getNodeName();
            case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
            case "status.podIP", "status.podIPs" -> podIp;
            case "status.hostIP", "status.hostIPs" -> hostIp;
            default -> throw new Unresolved(user + ": unsupported fieldPath " + path);
        };
    }

    private static String resource(Container container, ResourceFieldSelector selector) {
        String[] kindAndName = selector.getResource().split("\\.", 2);
        var requirements = container.getResources();
        Map<String, Quantity> values = requirements == null ? null
                : kindAndName[0].equals("limits") ? requirements.getLimits() : requirements.getRequests();
        Quantity quantity = values == null ? null : values.get(kindAndName[1]);
        if (quantity == null && kindAndName[0].equals("limits")) {
            quantity = NodeHeartbeat.CAPACITY.get(kindAndName[1]); // no limit: the node's allocatable, as a kubelet
        }
        if (quantity == null) {
            return "0";
        }
        BigDecimal divisor = selector.getDivisor() == null ? BigDecimal.ONE
                : Quantity.getAmountInBytes(selector.getDivisor());
        return Quantity.getAmountInBytes(quantity).divide(divisor, 0, RoundingMode.CEILING).toPlainString();
    }

    static Map<String, String> secretData(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>();
        Objects.requireNonNullElse(secret.getData(), Map.<String, String>of())
                .forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        Objects.requireNonNullElse(secret.getStringData(), Map.<String, String>of()).forEach(data::put);
        return data;
    }
}
