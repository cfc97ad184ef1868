package dev.leasehold.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.UpgradeCommand;
import dev.leasehold.testenv.ControlPlane;
import dev.leasehold.testenv.KubectlResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Helm chart against the module's real API server: lint, install, upgrade, uninstall, the operator's RBAC probed
 * with impersonated requests, and the renew-counter admission policy. No kubelet runs, so the operator Deployment's
 * Pods never start: the tests look at the objects the chart creates and at what the API server allows.
 *
 * <p>One release lives through the class, from install (before the first test) to uninstall (the last test), because
 * the CRDs it owns can belong to one release only; the tests run in order and each upgrade states all the values it
 * needs.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmChartTest {

    static final Path CHART = Path.of(System.getProperty("leasehold.repository")).resolve("helm/leasehold");
    static final String RELEASE = "leasehold";
    static final String RELEASE_NAMESPACE = "leasehold-system";
    static final String WATCHED = "helm-watched";
    static final String OTHER = "helm-other";
    static final String OPERATOR = "system:serviceaccount:" + RELEASE_NAMESPACE + ":" + RELEASE;
    static final String ELECTION_LEASE = "leasehold-operator";
    static final List<String> CRDS = List.of("replicatedstores.leasehold.dev", "leases.leasehold.dev");
    static final String RENEW = "leasehold.dev/renew";
    static final String RENEW_MESSAGE =
            "metadata.annotations[leasehold.dev/renew] must be an integer that increases with every renewal";
    static final List<String> HELM_LABELS = List.of("helm.sh/chart", "app.kubernetes.io/name",
            "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by",
            "app.kubernetes.io/part-of");
    static final List<String> HELM_ANNOTATIONS = List.of("helm.sh/resource-policy", "meta.helm.sh/release-name",
            "meta.helm.sh/release-namespace");

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void installTheChart() {
        OperatorTestSupport.namespace(RELEASE_NAMESPACE);
        OperatorTestSupport.namespace(WATCHED);
        OperatorTestSupport.namespace(OTHER);
        // The operator under test applied the CRDs at start-up. Helm installs over an existing object only when it
        // carries the release's ownership metadata, as an upgrade from an operator-managed CRD to the chart would.
        for (String crd : CRDS) {
            kubectl("label", "crd", crd, "--overwrite", "app.kubernetes.io/managed-by=Helm").outOrThrow();
            kubectl("annotate", "crd", crd, "--overwrite", "meta.helm.sh/release-name=" + RELEASE,
                    "meta.helm.sh/release-namespace=" + RELEASE_NAMESPACE).outOrThrow();
        }
        InstallCommand install = new Helm(CHART).install().withName(RELEASE).withNamespace(RELEASE_NAMESPACE)
                .withKubeConfig(plane().kubeconfig());
        assertThat(install.call().getStatus()).isEqualTo("deployed");
    }

    @AfterAll
    static void uninstallAndRestoreTheCrds() {
        Helm.uninstall(RELEASE).withNamespace(RELEASE_NAMESPACE).withKubeConfig(plane().kubeconfig())
                .ignoreNotFound().call();
        for (String namespace : List.of(WATCHED, OTHER, RELEASE_NAMESPACE)) {
            kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=false");
        }
        // the scheduler bound the operator's Pods to the stand-in Node, where no kubelet confirms their end
        await().atMost(OperatorTestSupport.GENEROUS).until(() -> {
            kubectl("delete", "pods", "--all", "-n", RELEASE_NAMESPACE, "--grace-period=0", "--force");
            return kubectl("get", "pods", "-n", RELEASE_NAMESPACE, "-o", "name").out().isBlank();
        });
        // the CRDs stay (other test classes need them), as the operator applied them
        for (String crd : CRDS) {
            List<String> labels = HELM_LABELS.stream().map(label -> label + "-").toList();
            List<String> annotations = HELM_ANNOTATIONS.stream().map(annotation -> annotation + "-").toList();
            kubectl(Stream.concat(Stream.of("label", "crd", crd), labels.stream()).toArray(String[]::new));
            kubectl(Stream.concat(Stream.of("annotate", "crd", crd), annotations.stream()).toArray(String[]::new));
        }
    }

    @Test
    @Order(1)
    void strictLintFindsNothingToWarnAbout() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as("lint failed: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    @Order(2)
    void installTakesOverTheCrdsWithTheKeepPolicy() {
        for (String crd : CRDS) {
            CustomResourceDefinition definition = crd(crd);
            assertThat(definition.getMetadata().getAnnotations())
                    .containsEntry("helm.sh/resource-policy", "keep")
                    .containsEntry("meta.helm.sh/release-name", RELEASE)
                    .containsEntry("meta.helm.sh/release-namespace", RELEASE_NAMESPACE);
            assertThat(definition.getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/part-of", "leasehold");
        }
    }

    @Test
    @Order(3)
    void installRunsTwoOperatorReplicasWithTheEnvironmentOfTheValues() {
        Deployment deployment = deployment();
        Container operator = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(RELEASE);
        assertThat(operator.getImage()).isEqualTo("ghcr.io/leasehold/operator:0.1.0-SNAPSHOT");
        assertThat(env(operator))
                .containsEntry("POD_NAME", "fieldRef:metadata.name")
                .containsEntry("QUARKUS_LOG_LEVEL", "INFO")
                .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "JOSDK_ALL_NAMESPACES")
                .containsEntry("LEASEHOLD_OPERATOR_LEADER_ELECTION_LEASE_NAME", ELECTION_LEASE)
                .doesNotContainKey("LEASEHOLD_STORE_DEFAULT_IMAGE");
        assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(operator.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(operator.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(operator.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(operator.getResources().getLimits()).containsKey("memory");
        assertThat(deployment.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
                .satisfies(t -> assertThat(t.getPodAffinityTerm().getTopologyKey())
                        .isEqualTo("kubernetes.io/hostname"));
    }

    @Test
    @Order(4)
    void installCreatesTheServiceAccountTheMetricsServiceAndTheRenewCounterPolicy() {
        assertThat(client.serviceAccounts().inNamespace(RELEASE_NAMESPACE).withName(RELEASE).get()).isNotNull();

        Service metrics = client.services().inNamespace(RELEASE_NAMESPACE).withName(RELEASE + "-metrics").get();
        assertThat(metrics.getMetadata().getAnnotations()).containsEntry("prometheus.io/path", "/q/metrics");
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http-metrics");
            assertThat(port.getPort()).isEqualTo(8080);
        });
        assertThat(metrics.getSpec().getSelector())
                .isEqualTo(deployment().getSpec().getSelector().getMatchLabels());

        String policy = RELEASE_NAMESPACE + "-" + RELEASE + "-renew-counter";
        assertThat(kubectl("get", "validatingadmissionpolicy", policy, "-o", "jsonpath={.spec.failurePolicy}")
                .outOrThrow()).isEqualTo("Fail");
        assertThat(kubectl("get", "validatingadmissionpolicybinding", policy, "-o",
                "jsonpath={.spec.policyName} {.spec.validationActions}").outOrThrow())
                .isEqualTo(policy + " [\"Deny\"]");
    }

    @Test
    @Order(5)
    void theOperatorMayDoWhatItDoesInEveryNamespace() {
        // RBAC reads bindings from an informer: a new binding takes a moment to apply
        await().atMost(OperatorTestSupport.GENEROUS)
                .until(() -> can("list", "replicatedstores.leasehold.dev", "--all-namespaces"));

        assertThat(denied(List.of(
                List.of("list", "replicatedstores.leasehold.dev", "--all-namespaces"),
                List.of("watch", "replicatedstores.leasehold.dev", "--all-namespaces"),
                List.of("list", "leases.leasehold.dev", "--all-namespaces"),
                List.of("watch", "leases.leasehold.dev", "--all-namespaces"),
                List.of("patch", "replicatedstores.leasehold.dev", "--subresource=status", "-n", OTHER),
                List.of("update", "leases.leasehold.dev", "--subresource=status", "-n", OTHER),
                List.of("watch", "statefulsets.apps", "--all-namespaces"),
                List.of("watch", "poddisruptionbudgets.policy", "--all-namespaces"),
                List.of("watch", "configmaps", "--all-namespaces"),
                List.of("watch", "services", "--all-namespaces"),
                List.of("watch", "serviceaccounts", "--all-namespaces"),
                List.of("delete", "statefulsets.apps", "-n", OTHER),
                List.of("patch", "pods", "-n", OTHER),
                List.of("delete", "pods", "-n", OTHER),
                List.of("create", "events.events.k8s.io", "-n", OTHER),
                List.of("get", "customresourcedefinitions/leases.leasehold.dev"),
                List.of("get", "customresourcedefinitions/replicatedstores.leasehold.dev"),
                List.of("get", "leases.coordination.k8s.io/" + ELECTION_LEASE, "-n", RELEASE_NAMESPACE),
                List.of("update", "leases.coordination.k8s.io/" + ELECTION_LEASE, "-n", RELEASE_NAMESPACE),
                List.of("create", "leases.coordination.k8s.io", "-n", RELEASE_NAMESPACE))))
                .isEmpty();

        // real requests, through authorization and admission; server-side dry runs leave nothing behind
        asOperator("get", "replicatedstores.leasehold.dev", "--all-namespaces").outOrThrow();
        asOperator("get", "leases.leasehold.dev", "--all-namespaces").outOrThrow();
        for (String crd : CRDS) {
            asOperator("get", "crd", crd).outOrThrow();
        }
        asOperatorWithInput(statefulSet("probe"), "create", "-n", OTHER, "--dry-run=server", "-f", "-").outOrThrow();
        asOperator("create", "configmap", "probe", "-n", OTHER, "--dry-run=server").outOrThrow();
        asOperator("create", "service", "clusterip", "probe", "--tcp=80", "-n", OTHER, "--dry-run=server")
                .outOrThrow();
        asOperator("create", "serviceaccount", "probe", "-n", OTHER, "--dry-run=server").outOrThrow();
        asOperator("create", "poddisruptionbudget", "probe", "--selector=app=probe", "--min-available=1",
                "-n", OTHER, "--dry-run=server").outOrThrow();
        asOperatorWithInput(event("probe"), "create", "-n", OTHER, "--dry-run=server", "-f", "-").outOrThrow();

        kubectlWithInput(unschedulablePod("voter-probe"), "apply", "-n", OTHER, "-f", "-").outOrThrow();
        asOperator("label", "pod", "voter-probe", "-n", OTHER, "leasehold.dev/voter=true").outOrThrow();

        kubectlWithInput(lease("status-probe", null), "apply", "-n", OTHER, "-f", "-").outOrThrow();
        asOperator("patch", "lease.leasehold.dev", "status-probe", "-n", OTHER, "--subresource=status",
                "--type=merge", "-p", "{\"status\":{\"phase\":\"Pending\"}}").outOrThrow();
    }

    @Test
    @Order(6)
    void theOperatorElectsItsLeaderWithACoordinationLeaseInItsOwnNamespace() {
        await().atMost(OperatorTestSupport.GENEROUS)
                .until(() -> can("create", "leases.coordination.k8s.io", "-n", RELEASE_NAMESPACE));

        asOperatorWithInput(electionLease(ELECTION_LEASE, "replica-a"), "create", "-n", RELEASE_NAMESPACE, "-f", "-")
                .outOrThrow();
        String json = asOperator("get", "lease.coordination.k8s.io", ELECTION_LEASE, "-n", RELEASE_NAMESPACE,
                "-o", "json").outOrThrow();
        asOperatorWithInput(json.replace("replica-a", "replica-b"), "replace", "-n", RELEASE_NAMESPACE, "-f", "-")
                .outOrThrow();
        // fabric8's leader elector renews with a JSON merge patch
        asOperator("patch", "lease.coordination.k8s.io", ELECTION_LEASE, "-n", RELEASE_NAMESPACE, "--type=merge",
                "-p", "{\"spec\":{\"holderIdentity\":\"replica-c\"}}").outOrThrow();

        assertThat(kubectl("get", "lease.coordination.k8s.io", ELECTION_LEASE, "-n", RELEASE_NAMESPACE, "-o",
                "jsonpath={.spec.holderIdentity}").outOrThrow()).isEqualTo("replica-c");
    }

    @Test
    @Order(7)
    void theOperatorMayDoNothingMore() {
        await().atMost(OperatorTestSupport.GENEROUS)
                .until(() -> can("list", "replicatedstores.leasehold.dev", "--all-namespaces"));

        assertThat(allowed(List.of(
                List.of("get", "secrets", "-n", RELEASE_NAMESPACE),
                List.of("list", "secrets", "-n", RELEASE_NAMESPACE),
                List.of("get", "secrets", "-n", OTHER),
                List.of("list", "secrets", "--all-namespaces"),
                List.of("create", "secrets", "-n", OTHER),
                List.of("get", "leases.coordination.k8s.io", "-n", OTHER),
                List.of("create", "leases.coordination.k8s.io", "-n", OTHER),
                List.of("update", "leases.coordination.k8s.io/" + ELECTION_LEASE, "-n", OTHER),
                List.of("get", "leases.coordination.k8s.io/some-other-lease", "-n", RELEASE_NAMESPACE),
                List.of("delete", "leases.coordination.k8s.io/" + ELECTION_LEASE, "-n", RELEASE_NAMESPACE),
                List.of("list", "customresourcedefinitions"),
                List.of("get", "customresourcedefinitions/widgets.example.com"),
                List.of("delete", "customresourcedefinitions/leases.leasehold.dev"),
                List.of("update", "customresourcedefinitions/leases.leasehold.dev"),
                List.of("create", "leases.leasehold.dev", "-n", OTHER),
                List.of("delete", "replicatedstores.leasehold.dev", "-n", OTHER),
                List.of("update", "leases.leasehold.dev", "--subresource=finalizers", "-n", OTHER),
                List.of("create", "pods", "-n", OTHER),
                List.of("create", "deployments.apps", "-n", OTHER),
                List.of("create", "roles.rbac.authorization.k8s.io", "-n", OTHER),
                List.of("create", "rolebindings.rbac.authorization.k8s.io", "-n", OTHER),
                List.of("create", "clusterrolebindings.rbac.authorization.k8s.io"),
                List.of("delete", "namespaces/" + OTHER),
                List.of("create", "serviceaccounts", "--subresource=token", "-n", OTHER),
                List.of("create", "validatingadmissionpolicies.admissionregistration.k8s.io"),
                List.of("create", "events", "-n", OTHER))))
                .isEmpty();

        assertForbidden(asOperator("get", "secrets", "-n", RELEASE_NAMESPACE));
        assertForbidden(asOperator("get", "secrets", "--all-namespaces"));
        assertForbidden(asOperator("get", "lease.coordination.k8s.io", "-n", OTHER));
        assertForbidden(asOperatorWithInput(electionLease(ELECTION_LEASE, "replica-a"), "create", "-n", OTHER,
                "--dry-run=server", "-f", "-"));
        assertForbidden(asOperator("get", "crd"));
        assertForbidden(asOperator("get", "crd", "widgets.example.com"));
        assertForbidden(asOperator("delete", "crd", "leases.leasehold.dev", "--dry-run=server"));
        assertForbidden(asOperator("create", "role", "probe", "--verb=get", "--resource=pods", "-n", OTHER,
                "--dry-run=server"));
        assertForbidden(asOperator("create", "rolebinding", "probe", "--clusterrole=admin", "--user=probe",
                "-n", OTHER, "--dry-run=server"));
        assertForbidden(asOperator("delete", "namespace", OTHER, "--dry-run=server"));
    }

    @Test
    @Order(8)
    void theRenewCounterOfALeaseIsAnIntegerThatOnlyIncreases() {
        String lease = "renew-counter";
        kubectlWithInput(lease(lease, "1"), "apply", "-n", OTHER, "-f", "-").outOrThrow();
        // a policy applies once the API server has loaded it; a server-side dry run probes it without a trace
        await().atMost(OperatorTestSupport.GENEROUS)
                .until(() -> renew(lease, "\"abc\"", "--dry-run=server").err().contains(RENEW_MESSAGE));

        renew(lease, "\"2\"").outOrThrow();
        assertRejected(renew(lease, "\"1\""), "it was 2, this update sets 1");
        // an update that leaves the counter alone, such as the holder marking its claim released, is not judged
        kubectl("annotate", "lease.leasehold.dev", lease, "-n", OTHER, "leasehold.dev/released=true").outOrThrow();
        assertRejected(renew(lease, "\"abc\""), "it is not a decimal integer");
        assertRejected(renew(lease, "\"-3\""), "it is not a decimal integer");
        assertRejected(renew(lease, "null"), "it cannot be removed once set");
        renew(lease, "\"10\"").outOrThrow();

        assertThat(kubectl("get", "lease.leasehold.dev", lease, "-n", OTHER, "-o",
                "jsonpath={.metadata.annotations.leasehold\\.dev/renew}").outOrThrow()).isEqualTo("10");
    }

    @Test
    @Order(9)
    void aLeaseIsCreatedWithAnIntegerRenewCounterOrWithoutOne() {
        await().atMost(OperatorTestSupport.GENEROUS).until(() -> kubectlWithInput(lease("probe", "abc"), "create",
                "-n", OTHER, "--dry-run=server", "-f", "-").err().contains(RENEW_MESSAGE));

        assertRejected(kubectlWithInput(lease("not-a-number", "one"), "create", "-n", OTHER, "-f", "-"),
                "it is not a decimal integer");
        kubectlWithInput(lease("counted", "0"), "create", "-n", OTHER, "-f", "-").outOrThrow();
        kubectlWithInput(lease("uncounted", null), "create", "-n", OTHER, "-f", "-").outOrThrow();
        // a claim without a counter takes other updates, and takes its first counter at any integer
        kubectl("label", "lease.leasehold.dev", "uncounted", "-n", OTHER, "team=a").outOrThrow();
        renew("uncounted", "\"7\"").outOrThrow();
    }

    @Test
    @Order(10)
    void upgradeWithNewValuesUpdatesTheDeployment() {
        upgrade(CHART).set("logLevel", "DEBUG").set("replicaCount", "3")
                .set("storeImage", "registry.example/store-node:1.2.3").call();

        Deployment deployment = deployment();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(env(deployment.getSpec().getTemplate().getSpec().getContainers().get(0)))
                .containsEntry("QUARKUS_LOG_LEVEL", "DEBUG")
                .containsEntry("LEASEHOLD_STORE_DEFAULT_IMAGE", "registry.example/store-node:1.2.3")
                .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "JOSDK_ALL_NAMESPACES");
    }

    @Test
    @Order(11)
    void upgradeAppliesAChangedCrd() throws IOException {
        Path copy = copyOfTheChart();
        Path leases = copy.resolve("files/crds/leases.leasehold.dev.yaml");
        String original = "description: \"Name of the ReplicatedStore.\"";
        String changed = "description: \"Name of the ReplicatedStore (changed by HelmChartTest).\"";
        assertThat(Files.readString(leases)).containsOnlyOnce(original);
        Files.writeString(leases, Files.readString(leases).replace(original, changed));
        String storeRefDescription = "jsonpath={.spec.versions[0].schema.openAPIV3Schema.properties.spec"
                + ".properties.storeRef.properties.name.description}";

        try {
            upgrade(copy).call();
            assertThat(kubectl("get", "crd", "leases.leasehold.dev", "-o", storeRefDescription).outOrThrow())
                    .isEqualTo("Name of the ReplicatedStore (changed by HelmChartTest).");
            assertThat(crd("leases.leasehold.dev").getMetadata().getAnnotations())
                    .containsEntry("helm.sh/resource-policy", "keep");
        } finally {
            upgrade(CHART).call();
            deleteRecursively(copy.getParent());
        }
        assertThat(kubectl("get", "crd", "leases.leasehold.dev", "-o", storeRefDescription).outOrThrow())
                .isEqualTo("Name of the ReplicatedStore.");
    }

    @Test
    @Order(12)
    void watchingAListOfNamespacesConfinesTheOperatorToThem() {
        upgrade(CHART).set("watchNamespaces[0]", WATCHED).call();
        assertThat(env(deployment().getSpec().getTemplate().getSpec().getContainers().get(0)))
                .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", WATCHED);
        await().atMost(OperatorTestSupport.GENEROUS)
                .until(() -> !can("list", "replicatedstores.leasehold.dev", "--all-namespaces")
                        && can("list", "replicatedstores.leasehold.dev", "-n", WATCHED));

        assertThat(denied(List.of(
                List.of("watch", "replicatedstores.leasehold.dev", "-n", WATCHED),
                List.of("watch", "leases.leasehold.dev", "-n", WATCHED),
                List.of("patch", "leases.leasehold.dev", "--subresource=status", "-n", WATCHED),
                List.of("create", "statefulsets.apps", "-n", WATCHED),
                List.of("create", "poddisruptionbudgets.policy", "-n", WATCHED),
                List.of("patch", "pods", "-n", WATCHED),
                List.of("create", "events.events.k8s.io", "-n", WATCHED),
                List.of("get", "customresourcedefinitions/leases.leasehold.dev"),
                List.of("update", "leases.coordination.k8s.io/" + ELECTION_LEASE, "-n", RELEASE_NAMESPACE))))
                .isEmpty();
        assertThat(allowed(List.of(
                List.of("list", "leases.leasehold.dev", "--all-namespaces"),
                List.of("list", "leases.leasehold.dev", "-n", OTHER),
                List.of("patch", "replicatedstores.leasehold.dev", "--subresource=status", "-n", OTHER),
                List.of("create", "statefulsets.apps", "-n", OTHER),
                List.of("create", "configmaps", "-n", OTHER),
                List.of("patch", "pods", "-n", OTHER),
                List.of("create", "events.events.k8s.io", "-n", OTHER),
                List.of("get", "secrets", "-n", WATCHED),
                List.of("list", "customresourcedefinitions"))))
                .isEmpty();

        asOperator("get", "leases.leasehold.dev", "-n", WATCHED).outOrThrow();
        asOperator("create", "configmap", "probe", "-n", WATCHED, "--dry-run=server").outOrThrow();
        asOperator("get", "crd", "replicatedstores.leasehold.dev").outOrThrow();
        assertForbidden(asOperator("get", "leases.leasehold.dev", "-n", OTHER));
        assertForbidden(asOperator("get", "replicatedstores.leasehold.dev", "--all-namespaces"));
        assertForbidden(asOperator("create", "configmap", "probe", "-n", OTHER, "--dry-run=server"));
    }

    @Test
    @Order(13)
    void uninstallKeepsTheCrdsAndRemovesTheOperator() {
        Helm.uninstall(RELEASE).withNamespace(RELEASE_NAMESPACE).withKubeConfig(plane().kubeconfig()).call();

        await().atMost(OperatorTestSupport.GENEROUS).untilAsserted(() -> {
            assertThat(kubectl("get", "deployment", RELEASE, "-n", RELEASE_NAMESPACE).err()).contains("NotFound");
            assertThat(kubectl("get", "validatingadmissionpolicy", RELEASE_NAMESPACE + "-" + RELEASE
                    + "-renew-counter").err()).contains("NotFound");
        });
        for (String crd : CRDS) {
            assertThat(crd(crd).getMetadata().getDeletionTimestamp()).isNull();
        }
        assertThat(kubectl("api-resources", "--api-group=leasehold.dev", "--no-headers").outOrThrow().lines())
                .hasSize(2);
        // and the claims in them
        assertThat(kubectl("get", "lease.leasehold.dev", "counted", "-n", OTHER, "-o", "name").outOrThrow())
                .isEqualTo("lease.leasehold.dev/counted\n");
    }

    private static UpgradeCommand upgrade(Path chart) {
        return new Helm(chart).upgrade().withName(RELEASE).withNamespace(RELEASE_NAMESPACE)
                .withKubeConfig(plane().kubeconfig());
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(RELEASE_NAMESPACE).withName(RELEASE).get();
    }

    private CustomResourceDefinition crd(String name) {
        return client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    }

    /** Each variable's value, or {@code fieldRef:PATH} for one from the downward API. */
    private static Map<String, String> env(Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), variable.getValueFrom() != null
                    ? "fieldRef:" + variable.getValueFrom().getFieldRef().getFieldPath()
                    : variable.getValue());
        }
        return env;
    }

    private static KubectlResult renew(String lease, String jsonValue, String... options) {
        List<String> args = new ArrayList<>(List.of("patch", "lease.leasehold.dev", lease, "-n", OTHER,
                "--type=merge", "-p", "{\"metadata\":{\"annotations\":{\"" + RENEW + "\":" + jsonValue + "}}}"));
        args.addAll(List.of(options));
        return kubectl(args.toArray(String[]::new));
    }

    private static void assertRejected(KubectlResult result, String why) {
        assertThat(result.succeeded()).as("accepted: %s", result.out()).isFalse();
        assertThat(result.err()).contains(RENEW_MESSAGE).contains(why);
    }

    private static void assertForbidden(KubectlResult result) {
        assertThat(result.succeeded()).as("allowed: %s", result.out()).isFalse();
        assertThat(result.err()).containsIgnoringCase("forbidden");
    }

    /** Whether the operator's ServiceAccount may: {@code kubectl auth can-i} as it. */
    private static boolean can(List<String> check) {
        List<String> args = new ArrayList<>(List.of("auth", "can-i", "--as=" + OPERATOR));
        args.addAll(check);
        KubectlResult result = kubectl(args.toArray(String[]::new));
        if (!result.out().strip().equals("yes") && !result.out().strip().equals("no")) {
            throw new IllegalStateException("kubectl auth can-i " + check + ": " + result.err());
        }
        return result.out().strip().equals("yes");
    }

    private static boolean can(String... check) {
        return can(List.of(check));
    }

    private static List<String> denied(List<List<String>> checks) {
        return checks.stream().filter(check -> !can(check)).map(check -> String.join(" ", check)).toList();
    }

    private static List<String> allowed(List<List<String>> checks) {
        return checks.stream().filter(HelmChartTest::can).map(check -> String.join(" ", check)).toList();
    }

    private static KubectlResult asOperator(String... args) {
        return kubectl(Stream.concat(Stream.of("--as=" + OPERATOR), Stream.of(args)).toArray(String[]::new));
    }

    private static KubectlResult asOperatorWithInput(String stdin, String... args) {
        return kubectlWithInput(stdin,
                Stream.concat(Stream.of("--as=" + OPERATOR), Stream.of(args)).toArray(String[]::new));
    }

    private static KubectlResult kubectl(String... args) {
        return plane().kubectl(args);
    }

    private static KubectlResult kubectlWithInput(String stdin, String... args) {
        return plane().kubectlWithInput(stdin, args);
    }

    private static ControlPlane plane() {
        return ControlPlaneResource.plane();
    }

    private static String lease(String name, String renew) {
        String annotations = renew == null ? "" : """
                  annotations:
                    leasehold.dev/renew: "%s"
                """.formatted(renew);
        return """
                apiVersion: leasehold.dev/v1alpha1
                kind: Lease
                metadata:
                  name: %s
                %sspec:
                  storeRef:
                    name: no-such-store
                  lockName: %s
                  holderIdentity: holder-%s
                """.formatted(name, annotations, name, name);
    }

    private static String electionLease(String name, String holder) {
        return """
                apiVersion: coordination.k8s.io/v1
                kind: Lease
                metadata:
                  name: %s
                spec:
                  holderIdentity: %s
                  leaseDurationSeconds: 15
                """.formatted(name, holder);
    }

    private static String statefulSet(String name) {
        return """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: %1$s
                spec:
                  serviceName: %1$s
                  replicas: 1
                  selector:
                    matchLabels:
                      app: %1$s
                  template:
                    metadata:
                      labels:
                        app: %1$s
                    spec:
                      containers:
                        - name: node
                          image: registry.invalid/none
                """.formatted(name);
    }

    private static String event(String name) {
        return """
                apiVersion: events.k8s.io/v1
                kind: Event
                metadata:
                  name: %s
                eventTime: "2026-01-01T00:00:00.000000Z"
                reportingController: leasehold.dev/operator
                reportingInstance: probe
                action: Reconcile
                reason: Probe
                type: Normal
                note: an impersonated probe of the operator's RBAC
                regarding:
                  apiVersion: v1
                  kind: ConfigMap
                  name: probe
                  namespace: %s
                """.formatted(name, OTHER);
    }

    /** A Pod no Node matches: it is never bound, so deleting it (with its namespace) does not wait for a kubelet. */
    private static String unschedulablePod(String name) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  nodeSelector:
                    leasehold.dev/no-such-node: "true"
                  containers:
                    - name: node
                      image: registry.invalid/none
                """.formatted(name);
    }

    private static Path copyOfTheChart() throws IOException {
        Path copy = Files.createTempDirectory("helm-chart-test").resolve("leasehold");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
