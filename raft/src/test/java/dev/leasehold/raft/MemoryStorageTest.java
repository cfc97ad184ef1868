package dev.leasehold.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {

    private static final Membership THREE = Membership.ofVoters(List.of(1L, 2L, 3L));

    @Test
    void bootstrapWritesOneCommittedConfigEntry() {
        MemoryStorage disk = new MemoryStorage();

        disk.bootstrap(THREE);

        assertThat(disk.lastIndex()).isEqualTo(1);
        assertThat(disk.term(1)).isEqualTo(1);
        Entry config = disk.entries(1, 2, Long.MAX_VALUE).get(0);
        assertThat(config.type()).isEqualTo(EntryType.CONFIG);
        assertThat(Membership.decode(config.data())).isEqualTo(THREE);
        assertThat(disk.hardState()).isEqualTo(new HardState(1, RaftNode.NONE, 1));
        assertThatThrownBy(() -> disk.bootstrap(THREE)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anAppendThatLeavesAGapIsRejected() {
        MemoryStorage disk = bootstrapped();

        assertThatIllegalArgumentException().isThrownBy(() -> disk.append(List.of(entry(1, 3))))
                .withMessageContaining("gap");
        assertThat(disk.lastIndex()).isEqualTo(1);
    }

    @Test
    void anAppendReplacesTheEntriesFromItsFirstIndexOn() {
        MemoryStorage disk = bootstrapped();
        disk.append(List.of(entry(1, 2), entry(1, 3), entry(1, 4)));

        disk.append(List.of(entry(2, 3)));

        assertThat(disk.lastIndex()).isEqualTo(3);
        assertThat(disk.term(3)).isEqualTo(2);
    }

    @Test
    void compactionKeepsTheEntriesAfterTheSnapshot() {
        MemoryStorage disk = bootstrapped();
        disk.append(List.of(entry(1, 2), entry(2, 3), entry(2, 4)));

        Snapshot snapshot = disk.compact(3, THREE, TestCluster.bytes("image"));

        assertThat(snapshot.index()).isEqualTo(3);
        assertThat(snapshot.term()).isEqualTo(2);
        assertThat(disk.term(3)).isEqualTo(2);
        assertThat(disk.entries(4, 5, Long.MAX_VALUE)).containsExactly(entry(2, 4));
        assertThatThrownBy(() -> disk.entries(3, 5, Long.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> disk.term(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatIllegalArgumentException().isThrownBy(() -> disk.append(List.of(entry(2, 3))))
                .withMessageContaining("before snapshot");
        assertThatIllegalArgumentException().isThrownBy(() -> disk.compact(3, THREE, new byte[0]));
        assertThatIllegalArgumentException().isThrownBy(() -> disk.compact(5, THREE, new byte[0]));
    }

    @Test
    void entriesStopAtTheByteLimitButReturnAtLeastOne() {
        MemoryStorage disk = bootstrapped();
        disk.append(List.of(entry(1, 2), entry(1, 3), entry(1, 4)));
        long oneEntry = entry(1, 2).size();

        assertThat(disk.entries(2, 5, 1)).hasSize(1);
        assertThat(disk.entries(2, 5, 2 * oneEntry)).hasSize(2);
        assertThat(disk.entries(2, 5, Long.MAX_VALUE)).hasSize(3);
    }

    @Test
    void applyingASnapshotReplacesTheWholeLog() {
        MemoryStorage disk = bootstrapped();
        disk.append(List.of(entry(1, 2)));
        Snapshot snapshot = new Snapshot(10, 3, THREE, new byte[0]);

        disk.applySnapshot(snapshot);

        assertThat(disk.snapshot()).isEqualTo(snapshot);
        assertThat(disk.lastIndex()).isEqualTo(10);
        assertThat(disk.term(10)).isEqualTo(3);
    }

    private static MemoryStorage bootstrapped() {
        MemoryStorage disk = new MemoryStorage();
        disk.bootstrap(THREE);
        return disk;
    }

    private static Entry entry(long term, long index) {
        return Entry.normal(term, index, TestCluster.bytes("t" + term + "i" + index));
    }
}
