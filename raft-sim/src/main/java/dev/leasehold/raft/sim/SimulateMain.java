package dev.leasehold.raft.sim;

import java.io.PrintStream;

/**
 * {@code scripts/simulate --seeds N [--from S] [--steps K] [--verbose]}: runs seeds S .. S+N-1 and ends with the
 * line {@code N passed, M failed}; exits 1 when any seed failed, 2 on bad arguments.
 */
public final class SimulateMain {

    private static final String USAGE = "usage: scripts/simulate --seeds N [--from S] [--steps K] [--verbose]";

    private SimulateMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command and returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        long seeds = 100;
        long from = 1;
        Simulation.Options options = Simulation.Options.defaults();
        boolean verbose = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seeds" -> seeds = positive("--seeds", value(args, ++i));
                    case "--from" -> from = Long.parseLong(value(args, ++i));
                    case "--steps" -> options = new Simulation.Options((int) positive("--steps", value(args, ++i)),
                            options.quietSteps());
                    case "--verbose" -> verbose = true;
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("simulate: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        long passed = 0;
        long failed = 0;
        long started = System.nanoTime();
        for (long seed = from; seed < from + seeds; seed++) {
            Simulation.Result r = new Simulation(seed, options).run();
            if (r.passed()) {
                passed++;
                if (verbose) {
                    out.println("seed " + seed + " passed: " + r);
                }
            } else {
                failed++;
                out.println(r.failure());
                out.println("  replay: scripts/simulate --seeds 1 --from " + seed + " --steps " + options.steps());
            }
        }
        out.printf("%d seeds of %d steps in %.1f s%n", seeds, options.steps(), (System.nanoTime() - started) / 1e9);
        out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static long positive(String flag, String value) {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number, was " + value);
        }
        if (v <= 0) {
            throw new IllegalArgumentException(flag + " must be positive, was " + value);
        }
        return v;
    }
}
