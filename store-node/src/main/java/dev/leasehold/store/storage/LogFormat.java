package dev.leasehold.store.storage;

import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.HardState;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.Snapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * How {@link RocksLogStore} lays the log out in RocksDB (format version {@value #VERSION}).
 * <ul>
 *   <li>column family {@value #ENTRIES}: key = the index as 8 bytes big-endian (so RocksDB's byte order is index
 *       order), value = {@code crc32c:4 | term:8 | type:1 | data};</li>
 *   <li>default column family: {@code hard_state} = {@code crc32c:4 | term:8 | vote:8 | commit:8} and
 *       {@code snapshot} = {@code crc32c:4 | index:8 | term:8 | membership}, plus the format version.</li>
 * </ul>
 * Every record carries a CRC32C over everything it stands for, including the index of an entry, which is not in
 * its value: an entry that RocksDB returns under the wrong key, or a record whose bytes changed on disk after
 * RocksDB's own checksums were computed, is caught here. Decoding throws {@link IllegalArgumentException} naming
 * the problem; the caller adds where it was found.
 */
final class LogFormat {

    static final int VERSION = 1;
    static final String ENTRIES = "log";
    static final byte[] HARD_STATE_KEY = "hard_state".getBytes(StandardCharsets.UTF_8);
    static final byte[] SNAPSHOT_KEY = "snapshot".getBytes(StandardCharsets.UTF_8);

    private static final int CRC_BYTES = 4;
    private static final int ENTRY_HEADER = CRC_BYTES + Long.BYTES + 1;
    private static final int HARD_STATE_BYTES = CRC_BYTES + 3 * Long.BYTES;
    private static final int SNAPSHOT_HEADER = CRC_BYTES + 2 * Long.BYTES;

    // explicit codes rather than ordinals: reordering the enum must not change the format
    private static final byte NORMAL = 0;
    private static final byte CONFIG = 1;

    private LogFormat() {
    }

    static byte[] key(long index) {
        return ByteBuffer.allocate(Long.BYTES).putLong(index).array();
    }

    static long index(byte[] key) {
        if (key.length != Long.BYTES) {
            throw new IllegalArgumentException("a log key has " + key.length + " bytes instead of 8");
        }
        return ByteBuffer.wrap(key).getLong();
    }

    static byte[] encodeEntry(Entry entry) {
        byte type = switch (entry.type()) {
            case NORMAL -> NORMAL;
            case CONFIG -> CONFIG;
        };
        ByteBuffer value = ByteBuffer.allocate(ENTRY_HEADER + entry.data().length);
        value.position(CRC_BYTES);
        value.putLong(entry.term()).put(type).put(entry.data());
        value.putInt(0, entryChecksum(entry.index(), value.array()));
        return value.array();
    }

    static Entry decodeEntry(long index, byte[] value) {
        if (value.length < ENTRY_HEADER) {
            throw new IllegalArgumentException("the record has " + value.length + " bytes, fewer than the "
                    + ENTRY_HEADER + " of an entry header");
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        int stored = in.getInt();
        int computed = entryChecksum(index, value);
        if (stored != computed) {
            throw new IllegalArgumentException(checksumMismatch(stored, computed));
        }
        long term = in.getLong();
        EntryType type = switch (in.get()) {
            case NORMAL -> EntryType.NORMAL;
            case CONFIG -> EntryType.CONFIG;
            default -> throw new IllegalArgumentException("unknown entry type " + value[ENTRY_HEADER - 1]);
        };
        byte[] data = new byte[in.remaining()];
        in.get(data);
        return new Entry(term, index, type, data);
    }

    /** The size {@link Entry#size()} reports for the entry stored in {@code value}, without decoding it. */
    static long entrySize(byte[] value) {
        return value.length - ENTRY_HEADER + 24L;
    }

    static byte[] encodeHardState(HardState state) {
        ByteBuffer value = ByteBuffer.allocate(HARD_STATE_BYTES);
        value.position(CRC_BYTES);
        value.putLong(state.term()).putLong(state.vote()).putLong(state.commit());
        value.putInt(0, checksum(value.array()));
        return value.array();
    }

    static HardState decodeHardState(byte[] value) {
        if (value.length != HARD_STATE_BYTES) {
            throw new IllegalArgumentException("the record has " + value.length + " bytes instead of "
                    + HARD_STATE_BYTES);
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        int stored = in.getInt();
        int computed = checksum(value);
        if (stored != computed) {
            throw new IllegalArgumentException(checksumMismatch(stored, computed));
        }
        return new HardState(in.getLong(), in.getLong(), in.getLong());
    }

    static byte[] encodeSnapshot(Snapshot snapshot) {
        byte[] membership = snapshot.membership().encode();
        ByteBuffer value = ByteBuffer.allocate(SNAPSHOT_HEADER + membership.length);
        value.position(CRC_BYTES);
        value.putLong(snapshot.index()).putLong(snapshot.term()).put(membership);
        value.putInt(0, checksum(value.array()));
        return value.array();
    }

    /** The snapshot's metadata; its data is empty, the image lives in the state machine's checkpoints. */
    static Snapshot decodeSnapshot(byte[] value) {
        if (value.length < SNAPSHOT_HEADER) {
            throw new IllegalArgumentException("the record has " + value.length + " bytes, fewer than "
                    + SNAPSHOT_HEADER);
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        int stored = in.getInt();
        int computed = checksum(value);
        if (stored != computed) {
            throw new IllegalArgumentException(checksumMismatch(stored, computed));
        }
        long index = in.getLong();
        long term = in.getLong();
        byte[] membership = new byte[in.remaining()];
        in.get(membership);
        return new Snapshot(index, term, Membership.decode(membership), new byte[0]);
    }

    private static int entryChecksum(long index, byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(index).flip());
        crc.update(value, CRC_BYTES, value.length - CRC_BYTES);
        return (int) crc.getValue();
    }

    private static int checksum(byte[] value) {
        CRC32C crc = new CRC32C();
        crc.update(value, CRC_BYTES, value.length - CRC_BYTES);
        return (int) crc.getValue();
    }

    private static String checksumMismatch(int stored, int computed) {
        return String.format("checksum mismatch (stored crc32c %08x, computed %08x)", stored, computed);
    }
}
