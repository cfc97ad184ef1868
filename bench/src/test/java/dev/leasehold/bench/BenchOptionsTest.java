package dev.leasehold.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void defaults() {
        BenchOptions o = BenchOptions.parse(new String[] {"--node-classpath", "x.jar"});
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.leadIn()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.keys()).isEqualTo(1000);
        assertThat(o.valueBytes()).isEqualTo(256);
        assertThat(o.sequential()).isEqualTo(2000);
        assertThat(o.sequentialWarmup()).isEqualTo(200);
        assertThat(o.inFlight()).isEqualTo(64);
        assertThat(o.systems()).containsExactly("leasehold", "etcd");
        assertThat(o.workloads()).containsExactly("kv", "locks");
    }

    @Test
    void workloadGroupsAreChosenByNameAndRunInTheirOwnOrder() {
        BenchOptions o = BenchOptions.parse(new String[] {"--node-classpath", "x", "--workloads", "locks"});
        assertThat(o.workloads()).containsExactly("locks");
        o = BenchOptions.parse(new String[] {"--node-classpath", "x", "--workloads", "LOCKS,kv", "--systems",
            "etcd,leasehold"});
        assertThat(o.workloads()).containsExactly("kv", "locks");
        assertThat(o.systems()).containsExactly("leasehold", "etcd");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--node-classpath", "x", "--workloads", "txn"}))
                .hasMessageContaining("--workloads takes kv and/or locks, got txn");
    }

    @Test
    void bothSpellings() {
        BenchOptions o = BenchOptions.parse(new String[] {"--duration=500ms", "--keys", "10", "--value-bytes=64",
            "--systems", "etcd", "--node-java-opts", "-Xss1m  -Dx=y"});
        assertThat(o.duration()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.keys()).isEqualTo(10);
        assertThat(o.valueBytes()).isEqualTo(64);
        assertThat(o.systems()).isEqualTo(List.of("etcd"));
        assertThat(o.nodeJavaOpts()).containsExactly("-Xss1m", "-Dx=y");
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--duration", "10", "--node-classpath", "x"}))
                .hasMessageContaining("--duration");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--keys", "0", "--node-classpath", "x"}))
                .hasMessageContaining("--keys must be positive");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--frobnicate", "1"}))
                .hasMessageContaining("unknown option");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {}))
                .hasMessageContaining("--node-classpath");
    }
}
