package dev.leasehold.operator.model;

import dev.leasehold.api.v1.StatusResponse;
import java.util.Optional;

/**
 * What one store Pod answered to the Cluster API's {@code Status} this round.
 *
 * @param pod     the Pod's name
 * @param address the member address the Pod is reached at ({@link StoreModel#memberAddress})
 * @param status  its answer, when it gave one
 * @param problem why there is no answer (not running yet, refused, timed out); empty when there is one
 */
public record NodeAnswer(String pod, String address, Optional<StatusResponse> status, String problem) {

    public static NodeAnswer answered(String pod, String address, StatusResponse status) {
        return new NodeAnswer(pod, address, Optional.of(status), "");
    }

    public static NodeAnswer silent(String pod, String address, String problem) {
        return new NodeAnswer(pod, address, Optional.empty(), problem);
    }
}
