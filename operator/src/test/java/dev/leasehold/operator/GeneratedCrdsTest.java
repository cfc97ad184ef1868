package dev.leasehold.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CRDs are generated from the Java model when the app is built (for tests too, before the first test runs) and
 * committed in two places, which must never drift from the model: fix a failure with {@code operator/update-crds.sh}.
 */
@QuarkusTest
class GeneratedCrdsTest {

    static final Path REPOSITORY = Path.of(System.getProperty("leasehold.repository", ".."));
    static final List<String> CRDS = List.of("replicatedstores.leasehold.dev", "leases.leasehold.dev");

    @Test
    void everyCommittedCopyEqualsWhatTheBuildGenerates() throws IOException {
        for (String crd : CRDS) {
            String generated = Files.readString(REPOSITORY.resolve("operator/target/kubernetes/" + crd + "-v1.yml"));
            for (Path copy : List.of(REPOSITORY.resolve("crds/" + crd + ".yaml"),
                    REPOSITORY.resolve("helm/leasehold/files/crds/" + crd + ".yaml"))) {
                assertThat(copy).as("%s differs from the CRD the model generates: run operator/update-crds.sh", copy)
                        .exists();
                assertThat(Files.readString(copy))
                        .as("%s differs from the CRD the model generates: run operator/update-crds.sh", copy)
                        .isEqualTo(generated);
            }
        }
    }

    @Test
    void theApiServerServesBothKindsUnderTheirShortNamesAndCategory() {
        String resources = ControlPlaneResource.plane().kubectl("api-resources", "--api-group=leasehold.dev",
                "-o", "wide", "--no-headers").outOrThrow();

        assertThat(resources.lines()).hasSize(2);
        assertThat(resources).containsPattern("leases\\s+lhlease\\s+leasehold.dev/v1alpha1\\s+true\\s+Lease\\b.*"
                + "leasehold");
        assertThat(resources).containsPattern("replicatedstores\\s+rstore\\s+leasehold.dev/v1alpha1\\s+true\\s+"
                + "ReplicatedStore\\b.*leasehold");
    }
}
