package dev.leasehold.cli;

import dev.leasehold.client.Endpoint;
import dev.leasehold.client.LeaseholdClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code leasehold} command: its global options, and how it reports errors (one line on stderr starting with
 * {@code leasehold:}, never a stack trace). Exit codes: 0 done, 1 failed (or key not found), 2 bad usage.
 */
@Command(name = "leasehold", mixinStandardHelpOptions = true, versionProvider = LeaseholdCli.Version.class,
        subcommands = {KvCommand.class, ClusterCommand.class, SessionCommand.class, LockCommand.class,
            DevCommand.class},
        description = "Talks to a Leasehold store, or runs one locally (`dev`).")
public final class LeaseholdCli implements Callable<Integer> {

    /** The endpoints of the cluster that {@code leasehold dev} starts by default. */
    public static final String DEV_ENDPOINTS = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";

    static final int FAILED = 1;
    static final int USAGE = 2;

    @Option(names = "--endpoints", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT,...",
            converter = EndpointListConverter.class,
            defaultValue = "${env:LEASEHOLD_ENDPOINTS:-" + DEV_ENDPOINTS + "}",
            description = "gRPC endpoints of store nodes (env LEASEHOLD_ENDPOINTS, default ${DEFAULT-VALUE})")
    EndpointList endpoints;

    @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION",
            converter = TimeoutConverter.class, defaultValue = "10s",
            description = "how long a call may take, retries on other endpoints included, "
                    + "like 500ms, 10s or 1m (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Spec
    CommandSpec spec;

    /** Runs the tool and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The tool as a picocli command line, with its error handling; {@code execute} returns the exit code. */
    public static CommandLine commandLine() {
        LeaseholdCli cli = new LeaseholdCli();
        CommandLine commandLine = new CommandLine(cli);
        // `dev` starts its own nodes: the options that point at a running cluster do not apply to it.
        CommandSpec dev = commandLine.getSubcommands().get("dev").getCommandSpec();
        dev.remove(dev.findOption("--endpoints"));
        dev.remove(dev.findOption("--timeout"));
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("leasehold: " + e.getMessage() + " (see `"
                    + failed.getCommandSpec().qualifiedName() + " --help`)");
            failed.getErr().flush();
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            failed.getErr().println(ErrorLine.of(e, cli.timeout));
            failed.getErr().flush();
            return FAILED;
        });
        return commandLine;
    }

    /** A client for the endpoints and timeout given on the command line. */
    LeaseholdClient connect() {
        return new LeaseholdClient(endpoints.endpoints(), timeout);
    }

    @Override
    public Integer call() {
        return usage(spec);
    }

    /** What a command that needs a subcommand does without one: shows its usage on stderr. */
    static int usage(CommandSpec spec) {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** The value of {@code --endpoints} (a record, so that picocli takes it as one value, not a list). */
    record EndpointList(List<Endpoint> endpoints) {
    }

    /** Reads {@code --endpoints}. */
    static final class EndpointListConverter implements ITypeConverter<EndpointList> {
        @Override
        public EndpointList convert(String value) {
            try {
                return new EndpointList(Endpoint.parseList(value));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Reads {@code --timeout}: a positive number with ms, s or m. */
    static final class TimeoutConverter implements ITypeConverter<Duration> {
        private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)");

        @Override
        public Duration convert(String value) {
            Matcher m = DURATION.matcher(value.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new TypeConversionException("'" + value + "' is not a positive duration like 500ms, 10s or 1m");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LeaseholdCli.class.getPackage().getImplementationVersion();
            return new String[] {"leasehold " + (version == null ? "(development build)" : version)};
        }
    }
}
