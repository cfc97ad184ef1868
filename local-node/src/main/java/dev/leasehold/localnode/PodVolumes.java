package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The volumes of one Pod, as directories on this machine: an {@code emptyDir} under the Pod's own directory, a
 * ConfigMap, Secret, downward-API or projected volume written there as files (a service-account token included, from
 * a TokenRequest bound to the Pod, rewritten before it expires), and a claim's volume at its local PersistentVolume's
 * path. A volume that cannot be made yet (its claim is unbound, its ConfigMap missing) is {@link Unready}: the Pod
 * waits, as it would on a kubelet.
 */
final class PodVolumes {

    /** Tokens are rewritten once this share of their life has passed, as a kubelet does. */
    private static final double REFRESH_AT = 0.8;
    private static final long DEFAULT_TOKEN_SECONDS = 3_607;

    /** A volume that cannot be made yet, with the reason for the Pod's event. */
    static final class Unready extends RuntimeException {
        Unready(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;
    private final Pod pod;
    private final Path volumesDir;
    private final ContainerEnv downward;
    /** When the earliest token written must be written again; {@link Instant#MAX} without tokens. */
    private Instant refreshDue = Instant.MAX;

    PodVolumes(KubernetesClient client, Pod pod, Path podDir, ContainerEnv downward) {
        this.client = client;
        this.pod = pod;
        this.volumesDir = podDir.resolve("volumes");
        this.downward = downward;
    }

    /** Makes every volume of the Pod; its directory by volume name. */
    Map<String, Path> materialize() {
        Map<String, Path> dirs = new LinkedHashMap<>();
        refreshDue = Instant.MAX;
        for (Volume volume : Objects.requireNonNullElse(pod.getSpec().getVolumes(), List.<Volume>of())) {
            dirs.put(volume.getName(), make(volume));
        }
        return dirs;
    }

    /** When the tokens must be written again ({@link #materialize} does it). */
    Instant refreshDue() {
        return refreshDue;
    }

    private Path make(Volume volume) {
        Path own = volumesDir.resolve(volume.getName());
        if (volume.getPersistentVolumeClaim() != null) {
            return claimed(volume.getPersistentVolumeClaim().getClaimName());
        }
        if (volume.getHostPath() != null) {
            return Path.of(volume.getHostPath().getPath());
        }
        if (volume.getEmptyDir() != null) {
            return directory(own);
        }
        if (volume.getConfigMap() != null) {
            var source = volume.getConfigMap();
            configMap(source.getName(), source.getItems(), Boolean.TRUE.equals(source.getOptional()), directory(own));
            return own;
        }
        if (volume.getSecret() != null) {
            var source = volume.getSecret();
            secret(source.getSecretName(), source.getItems(), Boolean.TRUE.equals(source.getOptional()),
                    directory(own));
            return own;
        }
        if (volume.getDownwardAPI() != null) {
            directory(own);
            volume.getDownwardAPI().getItems().forEach(item -> write(own, item.getPath(),
                    downward.field(item.getFieldRef().getFieldPath(), "volume " + volume.getName())));
            return own;
        }
        if (volume.getProjected() != null) {
            directory(own);
            for (VolumeProjection p : volume.getProjected().getSources()) {
                project(volume.getName(), p, own);
            }
            return own;
        }
        throw new Unready("volume " + volume.getName() + ": this node supports emptyDir, configMap, secret, "
                + "downwardAPI, projected, hostPath and persistentVolumeClaim volumes only");
    }

    private void project(String volume, VolumeProjection p, Path dir) {
        if (p.getServiceAccountToken() != null) {
            token(p.getServiceAccountToken(), dir);
        } else if (p.getConfigMap() != null) {
            configMap(p.getConfigMap().getName(), p.getConfigMap().getItems(),
                    Boolean.TRUE.equals(p.getConfigMap().getOptional()), dir);
        } else if (p.getSecret() != null) {
            secret(p.getSecret().getName(), p.getSecret().getItems(), Boolean.TRUE.equals(p.getSecret().getOptional()),
                    dir);
        } else if (p.getDownwardAPI() != null) {
            p.getDownwardAPI().getItems().forEach(item -> write(dir, item.getPath(),
                    downward.field(item.getFieldRef().getFieldPath(), "volume " + volume)));
        } else {
            throw new Unready("volume " + volume + ": a projected source this node does not support");
        }
    }

    private void token(ServiceAccountTokenProjection projection, Path dir) {
        String account = Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
        long seconds = Objects.requireNonNullElse(projection.getExpirationSeconds(), DEFAULT_TOKEN_SECONDS);
        TokenRequestBuilder request = new TokenRequestBuilder().withNewSpec()
                .withExpirationSeconds(seconds)
                .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).endBoundObjectRef()
                .endSpec();
        if (projection.getAudience() != null && !projection.getAudience().isBlank()) {
            request.editSpec().withAudiences(projection.getAudience()).endSpec();
        }
        Instant asked = Instant.now();
        TokenRequest answer = client.serviceAccounts().inNamespace(pod.getMetadata().getNamespace())
                .withName(account).tokenRequest(request.build());
        write(dir, projection.getPath(), answer.getStatus().getToken());
        Instant expires = Instant.parse(answer.getStatus().getExpirationTimestamp());
        Instant due = asked.plusMillis((long) ((expires.toEpochMilli() - asked.toEpochMilli()) * REFRESH_AT));
        refreshDue = due.isBefore(refreshDue) ? due : refreshDue;
    }

    private void configMap(String name, List<KeyToPath> items, boolean optional, Path dir) {
        ConfigMap map = client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
        writeSource("configmap", name, Optional.ofNullable(map)
                .map(m -> Objects.requireNonNullElse(m.getData(), Map.<String, String>of())), items, optional, dir);
    }

    private void secret(String name, List<KeyToPath> items, boolean optional, Path dir) {
        Secret secret = client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(name).get();
        writeSource("secret", name, Optional.ofNullable(secret).map(ContainerEnv::secretData), items, optional, dir);
    }

    /** Writes a ConfigMap's or Secret's data; a missing one is skipped if optional, else the Pod waits for it. */
    private static void writeSource(String kind, String name, Optional<Map<String, String>> data,
                                    List<KeyToPath> items, boolean optional, Path dir) {
        if (data.isEmpty()) {
            if (optional) {
                return;
            }
            throw new Unready(kind + " \"" + name + "\" not found");
        }
        writeAll(data.get(), items, dir, kind + " " + name);
    }

    private static void writeAll(Map<String, String> data, List<KeyToPath> items, Path dir, String what) {
        if (items == null || items.isEmpty()) {
            data.forEach((key, value) -> write(dir, key, value));
            return;
        }
        for (KeyToPath item : items) {
            String value = data.get(item.getKey());
            if (value == null) {
                throw new Unready("key \"" + item.getKey() + "\" of " + what + " not found");
            }
            write(dir, item.getPath(), value);
        }
    }

    private Path claimed(String claimName) {
        String namespace = pod.getMetadata().getNamespace();
        PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(namespace).withName(claimName).get();
        if (claim == null) {
            throw new Unready("persistentvolumeclaim \"" + claimName + "\" not found");
        }
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isBlank()) {
            throw new Unready("persistentvolumeclaim \"" + claimName + "\" is not bound yet");
        }
        PersistentVolume volume = client.persistentVolumes().withName(volumeName).get();
        if (volume == null || volume.getSpec().getLocal() == null && volume.getSpec().getHostPath() == null) {
            throw new Unready("persistentvolume \"" + volumeName + "\" of claim \"" + claimName
                    + "\" has no local path on this node");
        }
        return Path.of(volume.getSpec().getLocal() != null ? volume.getSpec().getLocal().getPath()
                : volume.getSpec().getHostPath().getPath());
    }

    private static Path directory(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the volume directory " + dir, e);
        }
    }

    /** Writes one file of a volume atomically, so a process never reads half a token. */
    private static void write(Path dir, String relative, String content) {
        Path file = dir.resolve(relative).normalize();
        if (!file.startsWith(dir)) {
            throw new Unready("volume path " + relative + " leaves its volume");
        }
        try {
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
