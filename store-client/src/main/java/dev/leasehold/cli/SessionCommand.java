package dev.leasehold.cli;

import dev.leasehold.api.v1.DescribeSessionResponse;
import dev.leasehold.api.v1.GrantRequest;
import dev.leasehold.api.v1.GrantResponse;
import dev.leasehold.api.v1.RevokeResponse;
import dev.leasehold.client.LeaseholdClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code leasehold session}: grants, revokes and describes sessions. */
@Command(name = "session", mixinStandardHelpOptions = true, description = "Grants, revokes and describes sessions.")
final class SessionCommand implements Callable<Integer> {

    @ParentCommand
    LeaseholdCli cli;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return LeaseholdCli.usage(spec);
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = {"Grants a session and prints its id.",
                "Nothing keeps it alive after this command: it ends one TTL later unless revoked first."})
    int grant(@Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "60s",
                      converter = LeaseholdCli.TimeoutConverter.class,
                      description = "time to live, 1s to 300s (default ${DEFAULT-VALUE})") Duration ttl,
              @Option(names = "--owner", paramLabel = "KEY",
                      description = "owner key: a second grant with it returns the same session while that lives, "
                              + "and fails once it has ended") String owner) {
        GrantResponse granted;
        try (LeaseholdClient client = cli.connect()) {
            granted = client.grant(GrantRequest.newBuilder().setTtlMillis(ttl.toMillis())
                    .setOwner(owner == null ? "" : owner).build());
        }
        out().println(granted.getSessionId());
        out().flush();
        return 0;
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Ends a session at once and releases its locks.")
    int revoke(@Parameters(paramLabel = "ID") long id) {
        RevokeResponse revoked;
        try (LeaseholdClient client = cli.connect()) {
            revoked = client.revoke(id);
        }
        out().println(revoked.getReleasedLocksCount() == 0
                ? "revoked"
                : "revoked; released " + String.join(", ", revoked.getReleasedLocksList()));
        out().flush();
        return 0;
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Prints a session's state; exits 1 if it has ended or never existed.")
    int describe(@Parameters(paramLabel = "ID") long id) {
        DescribeSessionResponse session;
        try (LeaseholdClient client = cli.connect()) {
            session = client.describeSession(id);
        }
        if (!session.getAlive()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("leasehold: session " + id + " has ended or never existed");
            err.flush();
            return LeaseholdCli.FAILED;
        }
        PrintWriter out = out();
        out.println("session  " + id + (session.getDraining() ? " (draining)" : ""));
        out.println("ttl      " + session.getTtlMillis() + "ms");
        out.println("owner    " + (session.getOwner().isEmpty() ? "(none)" : session.getOwner()));
        out.println("holds    " + (session.getHeldLocksCount() == 0 ? "(no lock)"
                : String.join(", ", session.getHeldLocksList())));
        if (!session.getClusterId().isEmpty()) {
            out.println("cluster  " + session.getClusterId());
        }
        out.flush();
        return 0;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
