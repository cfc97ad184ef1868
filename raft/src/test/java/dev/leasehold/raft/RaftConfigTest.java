package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class RaftConfigTest {

    private static final RaftConfig DEFAULTS = RaftConfig.defaults(1);

    @Test
    void theDefaultsAreValidAndSafe() {
        assertThat(DEFAULTS.preVote()).isTrue();
        assertThat(DEFAULTS.checkQuorum()).isTrue();
        assertThat(DEFAULTS.readOnlyOption()).isEqualTo(ReadOnlyOption.SAFE);
        assertThat(DEFAULTS.electionTicks()).isGreaterThan(DEFAULTS.heartbeatTicks());
    }

    @Test
    void aNonPositiveIdIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> RaftConfig.defaults(0)).withMessageContaining("id");
    }

    @Test
    void anElectionTimeoutNotAboveTheHeartbeatIntervalIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DEFAULTS.withTicks(3, 3))
                .withMessageContaining("electionTicks").withMessageContaining("heartbeatTicks");
    }

    @Test
    void aNonPositiveHeartbeatIntervalIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DEFAULTS.withTicks(10, 0))
                .withMessageContaining("heartbeatTicks");
    }

    @Test
    void leaseBasedReadsWithoutCheckQuorumAreRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DEFAULTS.withCheckQuorum(false).withReadOnlyOption(ReadOnlyOption.LEASE_BASED))
                .withMessageContaining("LEASE_BASED").withMessageContaining("checkQuorum");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DEFAULTS.withReadOnlyOption(ReadOnlyOption.LEASE_BASED).withCheckQuorum(false))
                .withMessageContaining("checkQuorum");
    }

    @Test
    void aMissingReadOnlyOptionIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DEFAULTS.withReadOnlyOption(null))
                .withMessageContaining("readOnlyOption");
    }

    @Test
    void nonPositiveFlowControlLimitsAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DEFAULTS.withFlowControl(0, 10))
                .withMessageContaining("maxMessageBytes");
        assertThatIllegalArgumentException().isThrownBy(() -> DEFAULTS.withFlowControl(1024, 0))
                .withMessageContaining("maxInflightMessages");
    }

    @Test
    void theRemainingLimitsAreCheckedByName() {
        assertThatIllegalArgumentException().isThrownBy(() -> with(0, 0, 100))
                .withMessageContaining("maxCommittedBytesPerReady");
        assertThatIllegalArgumentException().isThrownBy(() -> with(1, -1, 100))
                .withMessageContaining("promotionLagEntries");
        assertThatIllegalArgumentException().isThrownBy(() -> with(1, 0, 0))
                .withMessageContaining("snapshotTimeoutTicks");
    }

    private static RaftConfig with(long maxCommittedBytesPerReady, long promotionLagEntries, int snapshotTimeoutTicks) {
        RaftConfig d = DEFAULTS;
        return new RaftConfig(d.id(), d.electionTicks(), d.heartbeatTicks(), d.preVote(), d.checkQuorum(),
                d.readOnlyOption(), d.maxMessageBytes(), d.maxInflightMessages(), maxCommittedBytesPerReady,
                promotionLagEntries, snapshotTimeoutTicks, d.randomSeed());
    }
}
