package dev.leasehold.localnode;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The node's storage, as an external provisioner does it: a default StorageClass that binds when the scheduler has
 * picked a node ({@code WaitForFirstConsumer}); for each claim of it that the scheduler gave to this node, a
 * directory under the data root and a local PersistentVolume pinned to this node and pre-bound to the claim. The
 * volume outlives Pod restarts and goes, with its directory, when its claim is deleted.
 */
final class VolumeProvisioner implements AutoCloseable {

    static final String STORAGE_CLASS = "leasehold-local";
    static final String PROVISIONER = "leasehold.dev/local-node";
    static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
    static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    private static final Logger LOG = Logger.getLogger(VolumeProvisioner.class.getName());

    private final KubernetesClient client;
    private final NodeSettings settings;
    private final Path volumes;
    private SharedIndexInformer<PersistentVolumeClaim> claims;
    private SharedIndexInformer<PersistentVolume> provisioned;

    VolumeProvisioner(KubernetesClient client, NodeSettings settings) {
        this.client = client;
        this.settings = settings;
        this.volumes = settings.dataRoot().resolve("volumes");
    }

    void start() {
        client.resource(new StorageClassBuilder()
                        .withNewMetadata()
                        .withName(STORAGE_CLASS)
                        .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true")
                        .endMetadata()
                        .withProvisioner(PROVISIONER)
                        .withVolumeBindingMode("WaitForFirstConsumer")
                        .withReclaimPolicy("Delete")
                        .build())
                .fieldManager(NodeHeartbeat.FIELD_MANAGER).forceConflicts().serverSideApply();
        claims = client.persistentVolumeClaims().inAnyNamespace()
                .inform(Handlers.onChange(this::provisionIfOurs));
        provisioned = client.persistentVolumes().withLabel("leasehold.dev/node", settings.name())
                .inform(Handlers.onChange(this::deleteIfReleased));
    }

    private void provisionIfOurs(PersistentVolumeClaim claim) {
        boolean ours = STORAGE_CLASS.equals(claim.getSpec().getStorageClassName())
                && settings.name().equals(annotations(claim).get(SELECTED_NODE))
                && claim.getSpec().getVolumeName() == null
                && claim.getMetadata().getDeletionTimestamp() == null;
        if (!ours) {
            return;
        }
        String namespace = claim.getMetadata().getNamespace();
        String name = claim.getMetadata().getName();
        String uid = claim.getMetadata().getUid();
        Path directory = volumes.resolve(namespace + "_" + name + "_" + uid);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot make the volume of " + namespace + "/" + name + " at " + directory, e);
            return;
        }
        Quantity size = Optional.ofNullable(claim.getSpec().getResources())
                .map(r -> r.getRequests()).map(r -> r.get("storage")).orElse(new Quantity("1Gi"));
        PersistentVolume volume = new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName("pvc-" + uid)
                .addToLabels("leasehold.dev/node", settings.name())
                .addToAnnotations(PROVISIONED_BY, PROVISIONER)
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", size))
                .withAccessModes(claim.getSpec().getAccessModes())
                .withVolumeMode(claim.getSpec().getVolumeMode())
                .withStorageClassName(STORAGE_CLASS)
                .withPersistentVolumeReclaimPolicy("Delete")
                .withNewClaimRef().withNamespace(namespace).withName(name).withUid(uid).endClaimRef()
                .withNewLocal().withPath(directory.toString()).endLocal()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("kubernetes.io/hostname").withOperator("In").withValues(settings.name())
                .endMatchExpression().endNodeSelectorTerm().endRequired().endNodeAffinity()
                .endSpec()
                .build();
        try {
            client.persistentVolumes().resource(volume).create();
            LOG.info(() -> "provisioned " + volume.getMetadata().getName() + " for " + namespace + "/" + name + " at "
                    + directory);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.log(Level.WARNING, "cannot create the volume of " + namespace + "/" + name, e);
            }
        }
    }

    /** A volume whose claim is gone: its directory first (only if it is one of ours), then the volume. */
    private void deleteIfReleased(PersistentVolume volume) {
        boolean released = PROVISIONER.equals(volume.getMetadata().getAnnotations().get(PROVISIONED_BY))
                && volume.getStatus() != null
                && ("Released".equals(volume.getStatus().getPhase()) || "Failed".equals(volume.getStatus().getPhase()))
                && "Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy());
        if (!released) {
            return;
        }
        Path directory = Path.of(volume.getSpec().getLocal().getPath()).normalize();
        if (!directory.startsWith(volumes)) {
            LOG.warning(() -> "not deleting " + volume.getMetadata().getName() + ": its path " + directory
                    + " is outside " + volumes);
            return;
        }
        deleteRecursively(directory);
        client.persistentVolumes().withName(volume.getMetadata().getName()).delete();
        LOG.info(() -> "deleted " + volume.getMetadata().getName() + " and " + directory);
    }

    private static Map<String, String> annotations(PersistentVolumeClaim claim) {
        return Optional.ofNullable(claim.getMetadata().getAnnotations()).orElse(Map.of());
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the volume directory " + directory, e);
        }
    }

    @Override
    public void close() {
        for (SharedIndexInformer<?> informer : List.of(claims, provisioned)) {
            if (informer != null) {
                informer.close();
            }
        }
    }
}
