package dev.leasehold.operator.store;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * Pod scheduling of the store nodes, passed to the Pod template as given.
 *
 * @param affinity                  node and Pod affinity
 * @param tolerations               taints the Pods tolerate
 * @param nodeSelector              labels a node must have
 * @param topologySpreadConstraints replaces the default preferred spread across hostnames
 */
public record Scheduling(
        @JsonPropertyDescription("Node and Pod affinity of the store Pods.")
        Affinity affinity,

        @JsonPropertyDescription("Tolerations of the store Pods.")
        List<Toleration> tolerations,

        @JsonPropertyDescription("Node labels the store Pods require.")
        Map<String, String> nodeSelector,

        @JsonPropertyDescription("Topology spread of the store Pods. When absent: maxSkew 1 across"
                + " kubernetes.io/hostname with whenUnsatisfiable ScheduleAnyway.")
        List<TopologySpreadConstraint> topologySpreadConstraints) {

    static final Scheduling NONE = new Scheduling(null, null, null, null);
}
