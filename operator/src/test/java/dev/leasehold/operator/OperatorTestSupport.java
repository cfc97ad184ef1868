package dev.leasehold.operator;

import dev.leasehold.testenv.ControlPlane;
import io.quarkus.test.common.QuarkusTestResource;
import java.time.Duration;

/**
 * What the operator tests share: one control plane for the whole module (declared here once, it applies to every
 * {@code @QuarkusTest}, so the app starts once), the bounds they wait within and a namespace per test class.
 */
@QuarkusTestResource(ControlPlaneResource.class)
public final class OperatorTestSupport {

    /** Generous: a test waits this long for something that normally takes a second. */
    public static final Duration GENEROUS = Duration.ofSeconds(60);

    private OperatorTestSupport() {
    }

    /** Creates the namespace {@code name} unless it exists; each test class uses its own. */
    public static String namespace(String name) {
        ControlPlane plane = ControlPlaneResource.plane();
        if (!plane.kubectl("get", "namespace", name).succeeded()) {
            plane.kubectl("create", "namespace", name).outOrThrow();
        }
        return name;
    }
}
