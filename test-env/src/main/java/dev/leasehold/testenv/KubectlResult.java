package dev.leasehold.testenv;

/**
 * What one {@code kubectl} run printed and how it ended.
 *
 * @param exitCode its exit code
 * @param out      what it wrote to standard output
 * @param err      what it wrote to standard error
 */
public record KubectlResult(int exitCode, String out, String err) {

    /** Whether it exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Its standard output, or an exception with its standard error when it failed. */
    public String outOrThrow() {
        if (!succeeded()) {
            throw new IllegalStateException("kubectl exited with " + exitCode + ": " + err.strip());
        }
        return out;
    }
}
