package dev.leasehold.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.store.process.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The histories of several JVMs are merged on System.nanoTime, which is sound only if it is one clock for the
 * whole machine: on Linux, HotSpot reads CLOCK_MONOTONIC (time since boot), the same in every process. This
 * checks it: a child JVM's reading falls between two readings of this JVM taken before it started and after it
 * answered.
 */
class SharedClockTest {

    /** Prints System.nanoTime() once. */
    public static final class PrintNanoTime {
        public static void main(String[] args) {
            System.out.println("nanoTime=" + System.nanoTime());
        }
    }

    @TempDir
    Path dir;

    @Test
    void systemNanoTimeIsOneClockForEveryJvmOnTheMachine() throws Exception {
        Path log = dir.resolve("clock.log");
        long before = System.nanoTime();
        try (ChildJvm child = ChildJvm.start("clock", PrintNanoTime.class, List.of("-Xmx32m"), List.of(), log)) {
            assertThat(child.awaitExit(Duration.ofSeconds(60))).hasValue(0);
        }
        long after = System.nanoTime();

        String line = Files.readAllLines(log).stream().filter(l -> l.startsWith("nanoTime=")).findFirst()
                .orElseThrow();
        long childs = Long.parseLong(line.substring("nanoTime=".length()));
        assertThat(childs).isBetween(before, after);
    }
}
