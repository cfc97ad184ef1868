package dev.leasehold.operator;

import static dev.leasehold.operator.OperatorTestSupport.GENEROUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What the Deployment's probes, Prometheus and a second replica see of a running operator. */
@QuarkusTest
class OperatorProcessTest {

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/")
    URI root;

    @Test
    void itLeadsThroughACoordinationLeaseInItsNamespace() {
        await().atMost(GENEROUS).untilAsserted(() -> {
            Lease lease = client.leases().inNamespace("default").withName("leasehold-operator").get();
            assertThat(lease).isNotNull();
            assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
        });
    }

    @Test
    void itIsLiveAndReadyOnceItsControllersRun() throws Exception {
        assertThat(get("q/health/live").statusCode()).isEqualTo(200);

        HttpResponse<String> ready = get("q/health/ready");

        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"status\": \"UP\"").contains("replicatedstore").contains("lease");
    }

    @Test
    void itExportsReconciliationMetricsForPrometheus() throws Exception {
        await().atMost(GENEROUS).untilAsserted(() -> {
            HttpResponse<String> metrics = get("q/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("operator_sdk_").contains("jvm_memory_used_bytes");
        });
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
