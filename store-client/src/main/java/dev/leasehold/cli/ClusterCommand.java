package dev.leasehold.cli;

import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.client.LeaseholdClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code leasehold cluster}: the state of the cluster. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Shows the state of the cluster.")
final class ClusterCommand implements Callable<Integer> {

    @ParentCommand
    LeaseholdCli cli;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return LeaseholdCli.usage(spec);
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Prints the members, the leader, and the Raft state of the node that answers.")
    int status() {
        StatusResponse status;
        try (LeaseholdClient client = cli.connect()) {
            status = client.status();
        }
        spec.commandLine().getOut().print(StatusTable.format(status));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
