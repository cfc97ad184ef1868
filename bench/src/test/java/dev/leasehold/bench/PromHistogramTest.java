package dev.leasehold.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PromHistogramTest {

    private static final String BEFORE = """
            # HELP leasehold_fsync_latency_seconds one synced write of a Ready
            # TYPE leasehold_fsync_latency_seconds histogram
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.001"} 10
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.002"} 20
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.004"} 20
            leasehold_fsync_latency_seconds_bucket{node="1",le="+Inf"} 20
            leasehold_fsync_latency_seconds_count{node="1"} 20
            leasehold_fsync_latency_seconds_sum{node="1"} 0.025
            leasehold_proposal_latency_seconds_count{node="1"} 5
            """;

    private static final String AFTER = """
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.001"} 10
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.002"} 70
            leasehold_fsync_latency_seconds_bucket{node="1",le="0.004"} 110
            leasehold_fsync_latency_seconds_bucket{node="1",le="+Inf"} 120
            leasehold_fsync_latency_seconds_count{node="1"} 120
            leasehold_fsync_latency_seconds_sum{node="1"} 0.325
            etcd_server_proposals_committed_total 42
            """;

    @Test
    void parsesAndSubtracts() {
        PromHistogram h = PromHistogram.parse(AFTER, "leasehold_fsync_latency_seconds")
                .minus(PromHistogram.parse(BEFORE, "leasehold_fsync_latency_seconds"));
        assertThat(h.count()).isEqualTo(100);
        assertThat(h.meanSeconds()).isCloseTo(0.003, within(1e-9));
        // 50 of 100 fall in (1 ms, 2 ms], 40 in (2 ms, 4 ms], 10 above 4 ms
        assertThat(h.quantileSeconds(0.5)).isCloseTo(0.002, within(1e-9));
        assertThat(h.quantileSeconds(0.7)).isCloseTo(0.003, within(1e-9));
        assertThat(h.quantileSeconds(0.99)).isCloseTo(0.004, within(1e-9)); // in +Inf: the last finite bound
    }

    @Test
    void missingHistogramIsEmpty() {
        PromHistogram h = PromHistogram.parse(AFTER, "nothing_here");
        assertThat(h.count()).isZero();
        assertThat(h.quantileSeconds(0.5)).isNaN();
        assertThat(h.meanSeconds()).isNaN();
    }

    @Test
    void scalarsSumOverSeries() {
        assertThat(PromHistogram.scalar(AFTER, "etcd_server_proposals_committed_total")).isEqualTo(42);
        assertThat(PromHistogram.scalar(BEFORE, "leasehold_proposal_latency_seconds_count")).isEqualTo(5);
    }

    @Test
    void sumsFollowers() {
        PromHistogram a = PromHistogram.parse(AFTER, "leasehold_fsync_latency_seconds");
        assertThat(PromHistogram.EMPTY.plus(a).plus(a).count()).isEqualTo(240);
    }
}
