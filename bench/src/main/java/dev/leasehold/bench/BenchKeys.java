package dev.leasehold.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The key space and the value every put writes: the same bytes for both systems. */
final class BenchKeys {

    final byte[][] keys;
    final byte[] value;

    BenchKeys(int keyCount, int valueBytes) {
        keys = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = String.format("bench/key-%08d", i).getBytes(StandardCharsets.US_ASCII);
        }
        value = new byte[valueBytes];
        new SplittableRandom(42).nextBytes(value);
    }

    int size() {
        return keys.length;
    }
}
