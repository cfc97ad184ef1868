package dev.leasehold.cli;

import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.StatusResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders a {@link StatusResponse} as the text of {@code leasehold cluster status}. */
final class StatusTable {

    private static final List<String> HEADER = List.of("ID", "ADDRESS", "ROLE", "LEADER", "MATCH INDEX", "PROGRESS");

    private StatusTable() {
    }

    static String format(StatusResponse s) {
        boolean answeredByLeader = "LEADER".equals(s.getRole());
        StringBuilder out = new StringBuilder();
        out.append("Node ").append(s.getId()).append(" answered: ").append(s.getRole().toLowerCase(Locale.ROOT))
                .append(", term ").append(s.getTerm())
                .append(", commit index ").append(s.getCommitIndex())
                .append(", applied index ").append(s.getAppliedIndex())
                .append(", leader ").append(s.getLeader() == 0 ? "unknown" : "node " + s.getLeader())
                .append(s.getClusterId().isEmpty() ? "" : ", cluster " + s.getClusterId())
                .append("\n\n");

        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        s.getMembersList().stream().sorted(Comparator.comparingLong(Member::getId)).forEach(m -> rows.add(List.of(
                Long.toString(m.getId()),
                m.getAddress().isEmpty() ? "?" : m.getAddress(),
                m.getLearner() ? "learner" : "voter",
                m.getLeader() ? "*" : "",
                answeredByLeader ? Long.toString(m.getMatchIndex()) : "-",
                m.getProgress().isEmpty() ? "-" : m.getProgress().toLowerCase(Locale.ROOT))));
        appendAligned(out, rows);

        if (s.getMembersCount() == 0) {
            out.append("(no members known to node ").append(s.getId()).append(")\n");
        }
        if (s.getRemovedCount() > 0) {
            out.append("\nRemoved (never to return): ")
                    .append(s.getRemovedList().stream().map(String::valueOf).collect(Collectors.joining(", ")))
                    .append('\n');
        }
        if (!answeredByLeader && s.getLeader() != 0) {
            String leaderAddress = s.getMembersList().stream().filter(m -> m.getId() == s.getLeader())
                    .map(Member::getAddress).filter(a -> !a.isEmpty()).findFirst().orElse("");
            out.append("\nMatch index and progress are known only on the leader")
                    .append(leaderAddress.isEmpty() ? "" : ": ask it with --endpoints " + leaderAddress)
                    .append('\n');
        }
        return out.toString();
    }

    private static void appendAligned(StringBuilder out, List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row.get(c));
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - row.get(c).length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
