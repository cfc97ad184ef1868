package dev.leasehold.raft;

import static dev.leasehold.raft.TestCluster.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.raft.Message.AppendEntries;
import dev.leasehold.raft.Message.InstallSnapshot;
import org.junit.jupiter.api.Test;

/** Log compaction and catching a follower up with a snapshot (Raft §7). */
class SnapshotTest {

    @Test
    void aFollowerFarBehindACompactedLeaderInstallsASnapshotThenCatchesUpWithAppends() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(3);
        for (int i = 0; i < 20; i++) {
            cluster.propose(1, "c" + i);
        }
        cluster.deliverAll();
        Snapshot snapshot = cluster.compact(1);
        cluster.propose(1, "after-1");
        cluster.propose(1, "after-2");
        cluster.deliverAll();
        assertThat(cluster.node(1).firstIndex()).isEqualTo(snapshot.index() + 1);

        cluster.restart(3);
        cluster.hold(ofType(InstallSnapshot.class));
        cluster.tick(1, 1);

        // the leader found that 3 needs entries it no longer has: the snapshot is on its way
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.SNAPSHOT);
        cluster.clearSent();
        cluster.releaseHeld();
        cluster.deliverAll();

        assertThat(cluster.installedSnapshots(3)).containsExactly(snapshot);
        assertThat(cluster.sent(AppendEntries.class)).filteredOn(a -> a.to() == 3)
                .anySatisfy(a -> assertThat(a.prevIndex()).isEqualTo(snapshot.index()));
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(cluster.progressOf(1, 3).match()).isEqualTo(cluster.node(1).lastIndex());
        assertThat(cluster.applied(3)).isEqualTo(cluster.applied(1)).hasSize(22).endsWith("after-1", "after-2");
        assertThat(cluster.node(3).firstIndex()).isEqualTo(snapshot.index() + 1);
        assertThat(cluster.disk(3).snapshot()).isEqualTo(snapshot);
        assertThat(cluster.node(3).commitIndex()).isEqualTo(cluster.node(1).commitIndex());
    }

    @Test
    void aSnapshotCarriesTheMembershipToTheFollower() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.addNode(4);
        cluster.isolate(4);
        cluster.changeMembership(1, ConfChangeType.ADD_LEARNER, 4);
        cluster.propose(1, "x");
        cluster.deliverAll();
        cluster.compact(1);

        cluster.heal();
        cluster.tick(1, 2);

        assertThat(cluster.installedSnapshots(4)).hasSize(1);
        assertThat(cluster.node(4).membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.node(4).membership().learners()).containsExactly(4L);
        assertThat(cluster.applied(4)).containsExactly("x");
    }

    @Test
    void aRestartedNodeStartsFromItsSnapshot() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.propose(1, "a");
        cluster.propose(1, "b");
        cluster.deliverAll();
        Snapshot snapshot = cluster.compact(2);
        cluster.propose(1, "c");
        cluster.deliverAll();

        cluster.crash(2);
        cluster.restart(2);
        cluster.deliverAll();

        assertThat(cluster.node(2).firstIndex()).isEqualTo(snapshot.index() + 1);
        assertThat(cluster.node(2).membership().voters()).containsExactly(1L, 2L, 3L);
        assertThat(cluster.applied(2)).containsExactly("a", "b", "c");
    }

    @Test
    void aSnapshotThatIsLostIsSentAgainAfterTheSnapshotTimeout() {
        TestCluster cluster = TestCluster.ofVoters(1, 2, 3);
        cluster.elect(1);
        cluster.crash(3);
        cluster.propose(1, "x");
        cluster.deliverAll();
        cluster.compact(1);
        cluster.restart(3);
        cluster.drop(ofType(InstallSnapshot.class));
        cluster.tick(1, 1);
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.SNAPSHOT);

        cluster.heal();
        cluster.tick(1, cluster.config(1).snapshotTimeoutTicks() + 1);

        assertThat(cluster.installedSnapshots(3)).hasSize(1);
        assertThat(cluster.applied(3)).containsExactly("x");
        assertThat(cluster.progressOf(1, 3).state()).isEqualTo(ProgressState.REPLICATE);
    }
}
