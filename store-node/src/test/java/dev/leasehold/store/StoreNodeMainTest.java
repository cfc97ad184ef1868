package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StoreNodeMainTest {

    private static NodeConfig parse(String... args) {
        StoreNodeMain main = new StoreNodeMain();
        new CommandLine(main).parseArgs(args);
        return main.config();
    }

    @Test
    void faultInjectionIsOffUnlessTheFlagIsGiven() {
        assertThat(parse("--id=1", "--data-dir=/tmp/unused", "--listen=127.0.0.1:0").faultInjection()).isFalse();
        assertThat(parse("--id=1", "--data-dir=/tmp/unused", "--listen=127.0.0.1:0", "--fault-injection")
                .faultInjection()).isTrue();
    }
}
