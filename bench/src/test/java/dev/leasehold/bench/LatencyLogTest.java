package dev.leasehold.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyLogTest {

    @Test
    void nearestRankPercentiles() {
        LatencyLog log = new LatencyLog();
        for (long v = 100; v >= 1; v--) {
            log.add(v);
        }
        LatencyLog.Summary s = log.summary();
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Nanos()).isEqualTo(50);
        assertThat(s.p99Nanos()).isEqualTo(99);
        assertThat(s.maxNanos()).isEqualTo(100);
        assertThat(s.meanNanos()).isEqualTo(50.5);
    }

    @Test
    void growsPastItsFirstArray() {
        LatencyLog log = new LatencyLog();
        for (int i = 0; i < 100_000; i++) {
            log.add(7);
        }
        assertThat(log.summary().count()).isEqualTo(100_000);
        assertThat(log.summary().p99Nanos()).isEqualTo(7);
    }

    @Test
    void emptyHasNoPercentiles() {
        LatencyLog.Summary s = new LatencyLog().summary();
        assertThat(s.count()).isZero();
        assertThat(s.p50Nanos()).isNegative();
    }
}
