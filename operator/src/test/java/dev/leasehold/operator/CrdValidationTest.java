package dev.leasehold.operator;

import static dev.leasehold.operator.OperatorTestSupport.GENEROUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.leasehold.testenv.ControlPlane;
import dev.leasehold.testenv.KubectlResult;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Validation happens at the API server, from the committed CRDs: the examples are accepted, and every invalid sample
 * and every forbidden change is rejected with a message that names the field.
 */
@QuarkusTest
class CrdValidationTest {

    static final String NAMESPACE = "crd-validation";
    static final Path REPOSITORY = GeneratedCrdsTest.REPOSITORY;

    ControlPlane plane = ControlPlaneResource.plane();

    @BeforeAll
    static void namespace() {
        OperatorTestSupport.namespace(NAMESPACE);
    }

    @Test
    void theCommittedCrdsAndTheExamplesAreAccepted() {
        plane.kubectl("apply", "-f", REPOSITORY.resolve("crds").toString()).outOrThrow();

        String applied = plane.kubectl("apply", "-n", NAMESPACE, "-f", REPOSITORY.resolve("examples").toString())
                .outOrThrow();

        assertThat(applied).contains("replicatedstore.leasehold.dev/locks created")
                .contains("lease.leasehold.dev/nightly-report-worker-0 created");
    }

    @Test
    void kubectlGetLeaseholdListsBothKindsWithTheirColumns() {
        apply("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata: {name: listed}
                spec: {replicas: 3, storage: {size: 1Gi}}
                ---
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata: {name: listed-claim}
                spec: {storeRef: {name: listed}, lockName: listed-lock, holderIdentity: worker-7}
                """).outOrThrow();

        await().atMost(GENEROUS).untilAsserted(() -> {
            String listing = plane.kubectl("get", "leasehold", "-n", NAMESPACE).outOrThrow();
            assertThat(listing).containsPattern("NAME\\s+REPLICAS\\s+READY\\s+LEADER\\s+PHASE\\s+AGE")
                    .containsPattern("replicatedstore.leasehold.dev/listed\\s+3\\s+0\\s+Pending\\s+\\d+s")
                    .containsPattern("NAME\\s+LOCK\\s+HOLDER\\s+PHASE\\s+TOKEN\\s+AGE")
                    .containsPattern("lease.leasehold.dev/listed-claim\\s+listed-lock\\s+worker-7\\s+Pending\\s+\\d+s");
        });
    }

    @TestFactory
    Stream<DynamicTest> everyInvalidSampleIsRejectedWithAMessageNamingTheField() throws IOException {
        Path samples = Path.of("src/test/resources/invalid");
        List<Path> files;
        try (Stream<Path> listing = Files.list(samples)) {
            files = listing.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String yaml = Files.readString(file);
            String expected = yaml.lines().findFirst().orElseThrow().replaceFirst("^# expect: ", "");

            KubectlResult result = apply(yaml);

            assertThat(result.succeeded()).as("%s was accepted", file).isFalse();
            assertThat(result.err()).contains(expected);
        }));
    }

    @Test
    void theStorageOfAStoreCannotChange() {
        apply("""
                apiVersion: leasehold.dev/v1alpha1
                kind: ReplicatedStore
                metadata: {name: fixed-storage}
                spec: {replicas: 3, storage: {size: 1Gi, storageClassName: fast}}
                """).outOrThrow();

        KubectlResult otherClass = patch("replicatedstore", "fixed-storage",
                "{\"spec\":{\"storage\":{\"storageClassName\":\"slow\"}}}");
        KubectlResult larger = patch("replicatedstore", "fixed-storage", "{\"spec\":{\"storage\":{\"size\":\"2Gi\"}}}");

        assertThat(otherClass.err()).contains("spec.storage: Invalid value: spec.storage is immutable after creation");
        assertThat(larger.err()).contains("spec.storage is immutable");
    }

    @Test
    void aClaimsSpecCannotChange() {
        apply("""
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata: {name: fixed-claim}
                spec: {storeRef: {name: locks}, lockName: report, holderIdentity: worker-0}
                """).outOrThrow();

        assertThat(patch("lhlease", "fixed-claim", "{\"spec\":{\"lockName\":\"other\"}}").err())
                .contains("spec.lockName: Invalid value: spec.lockName is immutable after creation");
        assertThat(patch("lhlease", "fixed-claim", "{\"spec\":{\"holderIdentity\":\"worker-1\"}}").err())
                .contains("spec.holderIdentity is immutable after creation");
        assertThat(patch("lhlease", "fixed-claim", "{\"spec\":{\"ttlSeconds\":30}}").err())
                .contains("spec.ttlSeconds is immutable after creation");
        assertThat(patch("lhlease", "fixed-claim", "{\"spec\":{\"storeRef\":{\"name\":\"elsewhere\"}}}").err())
                .contains("spec.storeRef is immutable after creation");
        assertThat(patch("lhlease", "fixed-claim", "{\"spec\":{\"renewal\":\"Direct\"}}").err())
                .contains("spec.renewal is immutable after creation");
    }

    @Test
    void aClaimsStatusOnlyMovesForward() {
        apply("""
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata: {name: forward}
                spec: {storeRef: {name: locks}, lockName: forward, holderIdentity: worker-0}
                """).outOrThrow();
        // the operator writes Pending first; after that it leaves a status alone that it did not write as Pending
        await().atMost(GENEROUS).until(() -> plane.kubectl("get", "lhlease", "forward", "-n", NAMESPACE, "-o",
                "jsonpath={.status.phase}").outOrThrow().equals("Pending"));
        statusPatch("forward", "{\"status\":{\"phase\":\"Held\",\"clusterId\":\"c1\",\"sessionId\":41,"
                + "\"fencingToken\":42,\"renewAck\":5}}").outOrThrow();

        assertThat(statusPatch("forward", "{\"status\":{\"fencingToken\":43}}").err())
                .contains("status.fencingToken: Invalid value").contains("status.fencingToken is written once");
        assertThat(statusPatch("forward", "{\"status\":{\"sessionId\":40}}").err())
                .contains("status.sessionId is written once");
        assertThat(statusPatch("forward", "{\"status\":{\"clusterId\":\"c2\"}}").err())
                .contains("status.clusterId is written once");
        assertThat(statusPatch("forward", "{\"status\":{\"renewAck\":4}}").err())
                .contains("status.renewAck: Invalid value").contains("status.renewAck never decreases");
        statusPatch("forward", "{\"status\":{\"renewAck\":6}}").outOrThrow();
        statusPatch("forward", "{\"status\":{\"phase\":\"Expired\"}}").outOrThrow();

        assertThat(statusPatch("forward", "{\"status\":{\"phase\":\"Held\"}}").err())
                .contains("status.phase: Invalid value")
                .contains("status.phase Expired, Released and Failed are final");
        assertThat(plane.kubectl("patch", "lhlease", "forward", "-n", NAMESPACE, "--subresource=status",
                "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/status\"}]").err())
                .contains("status.phase Expired, Released and Failed are final");
    }

    private KubectlResult apply(String yaml) {
        return plane.kubectlWithInput(yaml, "apply", "-n", NAMESPACE, "-f", "-");
    }

    private KubectlResult patch(String kind, String name, String mergePatch) {
        KubectlResult result = plane.kubectl("patch", kind, name, "-n", NAMESPACE, "--type=merge", "-p", mergePatch);
        assertThat(result.succeeded()).as("patch %s of %s was accepted", mergePatch, name).isFalse();
        return result;
    }

    private KubectlResult statusPatch(String name, String mergePatch) {
        return plane.kubectl("patch", "lhlease", name, "-n", NAMESPACE, "--subresource=status", "--type=merge",
                "-p", mergePatch);
    }
}
