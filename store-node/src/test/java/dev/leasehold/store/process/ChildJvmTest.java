package dev.leasehold.store.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmTest {

    /** Prints a line every 50 ms until killed. */
    public static final class Ticker {
        public static void main(String[] args) throws InterruptedException {
            for (long i = 0; ; i++) {
                System.out.println(args[0] + " " + i);
                Thread.sleep(50);
            }
        }
    }

    @TempDir
    Path dir;

    @Test
    void aChildRunsWithTheTestClassPathLogsItsOutputStopsOnSigstopAndDiesOnClose() throws IOException {
        Path log = dir.resolve("ticker.log");
        ChildJvm child = ChildJvm.start("ticker", Ticker.class, List.of("-Xmx32m"), List.of("tick"), log);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("tick 3"));

            child.pause();
            await().atMost(Duration.ofSeconds(10)).until(() -> state(child.pid()) == 'T');
            long frozen = Files.size(log);
            await().pollDelay(Duration.ofMillis(300)).until(() -> true);
            assertThat(Files.size(log)).isEqualTo(frozen);

            child.resume();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(log) > frozen);
            assertThat(child.logTail(1)).contains("ticker").contains(log.toString());
        } finally {
            child.close();
        }
        assertThat(child.isAlive()).isFalse();
    }

    /** The process state letter from /proc/PID/stat: R, S, T (stopped), ... */
    private static char state(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
