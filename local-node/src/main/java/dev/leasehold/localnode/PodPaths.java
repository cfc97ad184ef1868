package dev.leasehold.localnode;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a container would see that a local process cannot: its mount paths and its own network interface. A value
 * of its environment or an argument that names a mount path (alone, or after {@code =}, {@code :} or {@code ,})
 * names the directory on this machine instead, and the wildcard address {@code 0.0.0.0} (all of a Pod's own
 * interfaces, in its network namespace) becomes the Pod's address, so that Pods on one node listen side by side.
 *
 * @param mounts    mount path in the container → directory here
 * @param podIp     the Pod's loopback address
 */
record PodPaths(Map<String, Path> mounts, String podIp) {

    private static final Pattern WILDCARD = Pattern.compile("(^|[=,/@])(0\\.0\\.0\\.0|\\[::])(?=$|[:,/])");

    PodPaths {
        mounts = Map.copyOf(mounts);
    }

    /** {@code value} as the process must see it. */
    String rewrite(String value) {
        String out = WILDCARD.matcher(value).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + podIp));
        if (mounts.isEmpty()) {
            return out;
        }
        // one pass, longest mount path first: a directory put in must not be rewritten again
        String alternatives = mounts.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote).collect(Collectors.joining("|"));
        Pattern at = Pattern.compile("(^|[=:,])(" + alternatives + ")(?=$|/|[:,])");
        return at.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + mounts.get(m.group(2))));
    }

    /** The directory here for a path in the container, if a mount covers it. */
    Optional<Path> hostPath(String containerPath) {
        return mounts.entrySet().stream()
                .filter(e -> containerPath.equals(e.getKey()) || containerPath.startsWith(e.getKey() + "/"))
                .max(Comparator.comparingInt(e -> e.getKey().length()))
                .map(e -> e.getValue().resolve(containerPath.substring(e.getKey().length()).replaceFirst("^/", "")));
    }
}
