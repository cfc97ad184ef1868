package dev.leasehold.operator;

import dev.leasehold.operator.lease.Lease;
import dev.leasehold.operator.store.ReplicatedStore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Runs in the CRD generator at build time. The generator sorts printer columns by JSON path, which would show
 * {@code AGE} first; kubectl shows them in the order the model declares them.
 */
public class CrdColumnOrder implements CRDPostProcessor {

    private static final Map<String, Class<?>> MODELS = Map.of("ReplicatedStore", ReplicatedStore.class,
            "Lease", Lease.class);

    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
        if (crd instanceof CustomResourceDefinition definition) {
            Class<?> model = MODELS.get(definition.getSpec().getNames().getKind());
            if (model != null) {
                List<String> declared = Arrays.stream(model.getAnnotationsByType(AdditionalPrinterColumn.class))
                        .map(AdditionalPrinterColumn::name).toList();
                definition.getSpec().getVersions().forEach(version -> version.getAdditionalPrinterColumns()
                        .sort(Comparator.comparingInt((CustomResourceColumnDefinition c) ->
                                declared.indexOf(c.getName()))));
            }
        }
        return crd;
    }
}
