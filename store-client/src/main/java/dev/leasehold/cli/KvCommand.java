package dev.leasehold.cli;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.Consistency;
import dev.leasehold.api.v1.DeleteRequest;
import dev.leasehold.api.v1.DeleteResponse;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.KeyValue;
import dev.leasehold.api.v1.PutRequest;
import dev.leasehold.api.v1.RangeRequest;
import dev.leasehold.api.v1.RangeResponse;
import dev.leasehold.client.LeaseholdClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code leasehold kv}: reads and writes keys. Keys and values are given and printed as UTF-8 text. */
@Command(name = "kv", mixinStandardHelpOptions = true, description = "Reads and writes keys.")
final class KvCommand implements Callable<Integer> {

    @ParentCommand
    LeaseholdCli cli;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return LeaseholdCli.usage(spec);
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Sets KEY to VALUE.")
    int put(@Parameters(paramLabel = "KEY") String key, @Parameters(paramLabel = "VALUE") String value) {
        try (LeaseholdClient client = cli.connect()) {
            client.put(PutRequest.newBuilder().setKey(utf8(key)).setValue(utf8(value)).build());
        }
        out().println("OK");
        return 0;
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Prints the value of KEY; exits 1 if there is no such key.")
    int get(@Parameters(paramLabel = "KEY") String key,
            @Option(names = "--serializable",
                    description = "read the answering node's state, which may lag, instead of a linearizable read")
            boolean serializable) {
        GetResponse response;
        try (LeaseholdClient client = cli.connect()) {
            response = client.get(GetRequest.newBuilder().setKey(utf8(key))
                    .setConsistency(serializable ? Consistency.SERIALIZABLE : Consistency.LINEARIZABLE).build());
        }
        if (!response.getFound()) {
            return keyNotFound(key);
        }
        out().println(response.getKv().getValue().toStringUtf8());
        return 0;
    }

    @Command(name = "del", mixinStandardHelpOptions = true,
            description = "Deletes KEY; exits 1 if there is no such key.")
    int delete(@Parameters(paramLabel = "KEY") String key) {
        DeleteResponse response;
        try (LeaseholdClient client = cli.connect()) {
            response = client.delete(DeleteRequest.newBuilder().setKey(utf8(key)).build());
        }
        if (response.getDeleted() == 0) {
            return keyNotFound(key);
        }
        out().println("deleted");
        return 0;
    }

    @Command(name = "range", mixinStandardHelpOptions = true,
            description = "Prints the keys that start with PREFIX (all keys for ''), one key=value a line, "
                    + "in byte order.")
    int range(@Parameters(paramLabel = "PREFIX", description = "key prefix; '' for all keys") String prefix,
              @Option(names = "--limit", paramLabel = "N",
                      description = "print at most N keys (default: the server's maximum, 10000)") Integer limit) {
        if (limit != null && limit < 1) {
            throw new ParameterException(spec.subcommands().get("range"),
                    "--limit must be at least 1, was " + limit);
        }
        RangeResponse response;
        try (LeaseholdClient client = cli.connect()) {
            response = client.range(RangeRequest.newBuilder().setPrefix(utf8(prefix))
                    .setLimit(limit == null ? 0 : limit).build());
        }
        PrintWriter out = out();
        for (KeyValue kv : response.getKvsList()) {
            out.println(kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8());
        }
        out.flush();
        if (response.getMore()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("leasehold: more keys match; printed the first " + response.getKvsCount()
                    + (limit == null ? "" : " (--limit " + limit + ")"));
            err.flush();
        }
        return 0;
    }

    private int keyNotFound(String key) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("leasehold: key not found: " + key);
        err.flush();
        return LeaseholdCli.FAILED;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
