package dev.leasehold.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Kubernetes events ({@code events.k8s.io/v1}) about a resource the operator reconciles, for {@code kubectl
 * describe} and {@code kubectl events}. An event that cannot be written is logged, never fails a reconciliation.
 */
public final class Events {

    public static final String CONTROLLER = "leasehold.dev/operator";
    private static final Logger LOG = Logger.getLogger(Events.class);
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final String instance;

    public Events(KubernetesClient client) {
        this.client = client;
        this.instance = Optional.ofNullable(System.getenv("POD_NAME")).orElse("leasehold-operator");
    }

    public void normal(HasMetadata regarding, String reason, String action, String note) {
        record(regarding, "Normal", reason, action, note);
    }

    public void warning(HasMetadata regarding, String reason, String action, String note) {
        record(regarding, "Warning", reason, action, note);
    }

    private void record(HasMetadata regarding, String type, String reason, String action, String note) {
        Event event = new EventBuilder()
                .withNewMetadata()
                .withName(regarding.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                .withNamespace(regarding.getMetadata().getNamespace())
                .endMetadata()
                .withRegarding(new ObjectReferenceBuilder()
                        .withApiVersion(regarding.getApiVersion())
                        .withKind(regarding.getKind())
                        .withName(regarding.getMetadata().getName())
                        .withNamespace(regarding.getMetadata().getNamespace())
                        .withUid(regarding.getMetadata().getUid())
                        .build())
                .withType(type)
                .withReason(reason)
                .withAction(action)
                // the API server caps a note at 1 kB
                .withNote(note.length() > 1000 ? note.substring(0, 1000) : note)
                .withEventTime(new MicroTime(MICRO_TIME.format(Instant.now())))
                .withReportingController(CONTROLLER)
                .withReportingInstance(instance)
                .build();
        try {
            client.resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("could not record the event %s %s on %s/%s: %s", type, reason,
                    regarding.getMetadata().getNamespace(), regarding.getMetadata().getName(), e.getMessage());
        }
    }
}
