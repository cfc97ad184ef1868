package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MembershipTest {

    private static final Membership THREE = Membership.ofVoters(List.of(1L, 2L, 3L));

    @Test
    void encodingRoundTripsVotersLearnersAndRemovedIds() {
        Membership m = new Membership(ids(1, 2, 3), ids(4, 9), ids(5, 7));

        assertThat(Membership.decode(m.encode())).isEqualTo(m);
        assertThat(Membership.decode(Membership.EMPTY.encode())).isEqualTo(Membership.EMPTY);
    }

    @Test
    void decodingRejectsTruncatedOrTrailingBytes() {
        byte[] encoded = THREE.encode();
        byte[] truncated = Arrays.copyOf(encoded, encoded.length - 3);
        byte[] trailing = Arrays.copyOf(encoded, encoded.length + 1);

        assertThatIllegalArgumentException().isThrownBy(() -> Membership.decode(truncated));
        assertThatIllegalArgumentException().isThrownBy(() -> Membership.decode(trailing))
                .withMessageContaining("trailing");
    }

    @Test
    void theQuorumIsAMajorityOfVotersOnly() {
        assertThat(Membership.ofVoters(List.of(1L)).quorum()).isEqualTo(1);
        assertThat(Membership.ofVoters(List.of(1L, 2L)).quorum()).isEqualTo(2);
        assertThat(THREE.quorum()).isEqualTo(2);
        assertThat(Membership.ofVoters(List.of(1L, 2L, 3L, 4L)).quorum()).isEqualTo(3);
        assertThat(new Membership(ids(1, 2, 3), ids(4, 5, 6), ids()).quorum()).isEqualTo(2);
    }

    @Test
    void aLearnerIsAddedThenPromotedThenRemovedForGood() {
        Membership withLearner = THREE.apply(new ConfChange(ConfChangeType.ADD_LEARNER, 4));
        Membership promoted = withLearner.apply(new ConfChange(ConfChangeType.PROMOTE, 4));
        Membership removed = promoted.apply(new ConfChange(ConfChangeType.REMOVE, 4));

        assertThat(withLearner.learners()).containsExactly(4L);
        assertThat(promoted.voters()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(promoted.learners()).isEmpty();
        assertThat(removed.voters()).containsExactly(1L, 2L, 3L);
        assertThat(removed.removed()).containsExactly(4L);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> removed.apply(new ConfChange(ConfChangeType.ADD_LEARNER, 4)))
                .withMessageContaining("removed");
    }

    @Test
    void changesThatDoNotApplyAreRejectedWithTheReason() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> THREE.apply(new ConfChange(ConfChangeType.ADD_LEARNER, 2)))
                .withMessageContaining("already a member");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> THREE.apply(new ConfChange(ConfChangeType.PROMOTE, 2)))
                .withMessageContaining("not a learner");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> THREE.apply(new ConfChange(ConfChangeType.REMOVE, 9)))
                .withMessageContaining("not a member");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Membership.ofVoters(List.of(1L)).apply(new ConfChange(ConfChangeType.REMOVE, 1)))
                .withMessageContaining("last voter");
    }

    @Test
    void anIdCannotBeBothVoterAndLearnerNorReuseARemovedId() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Membership(ids(1, 2), ids(2), ids()));
        assertThatIllegalArgumentException().isThrownBy(() -> new Membership(ids(1, 2), ids(), ids(2)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Membership(ids(1), ids(3), ids(3)));
        assertThatIllegalArgumentException().isThrownBy(() -> new Membership(ids(0), ids(), ids()));
    }

    private static TreeSet<Long> ids(long... ids) {
        TreeSet<Long> set = new TreeSet<>();
        for (long id : ids) {
            set.add(id);
        }
        return set;
    }
}
