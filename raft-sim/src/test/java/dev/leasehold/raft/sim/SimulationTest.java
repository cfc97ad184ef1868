package dev.leasehold.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationTest {

    /** The seeds every build runs; {@code scripts/simulate} runs more on demand. */
    private static final int SEEDS = 2000;
    private static final int STEPS = 2000;

    @Test
    void everySeedKeepsRaftSafeAndConvergesAfterHealing() {
        List<String> failures = new ArrayList<>();
        long leaders = 0;
        long acked = 0;
        long crashes = 0;
        long snapshots = 0;
        long membershipChanges = 0;
        long reads = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            Simulation.Result r = new Simulation(seed, new Simulation.Options(STEPS, 4000)).run();
            if (!r.passed()) {
                failures.add(r.failure() + "\n  replay: scripts/simulate --seeds 1 --from " + seed);
            }
            leaders += r.leaders();
            acked += r.acked();
            crashes += r.crashes();
            snapshots += r.snapshotsInstalled();
            membershipChanges += r.membershipChanges();
            reads += r.reads();
        }
        System.out.printf("simulated %d seeds x %d steps: %d leaders, %d acknowledged proposals, %d crashes, "
                + "%d snapshots installed, %d membership changes, %d reads%n", SEEDS, STEPS, leaders, acked,
                crashes, snapshots, membershipChanges, reads);
        assertThat(failures).isEmpty();
        // the faults and features the seeds are meant to exercise really happen
        assertThat(leaders).isGreaterThan(SEEDS * 3L);
        assertThat(acked).isGreaterThan(SEEDS * 20L);
        assertThat(crashes).isGreaterThan(SEEDS * 5L);
        assertThat(snapshots).isGreaterThan(SEEDS / 2);
        assertThat(membershipChanges).isGreaterThan(SEEDS);
        assertThat(reads).isGreaterThan(SEEDS);
    }

    @Test
    void aSeedReplaysExactly() {
        for (long seed : new long[] {7, 42, 1234}) {
            Simulation.Result first = new Simulation(seed, Simulation.Options.defaults()).run();
            Simulation.Result second = new Simulation(seed, Simulation.Options.defaults()).run();
            assertThat(second).isEqualTo(first);
        }
    }

    @Test
    void commandEndsWithPassedAndFailedCounts() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = SimulateMain.run(new String[] {"--seeds", "3", "--from", "10", "--steps", "500"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(exit).isZero();
        assertThat(lines[lines.length - 1]).isEqualTo("3 passed, 0 failed");
    }

    @Test
    void commandRejectsBadArgumentsNamingTheFlag() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = SimulateMain.run(new String[] {"--seeds", "0"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--seeds must be positive");
    }
}
