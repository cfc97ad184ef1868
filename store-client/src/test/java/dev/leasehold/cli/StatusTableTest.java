package dev.leasehold.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.client.FakeStore;
import org.junit.jupiter.api.Test;

class StatusTableTest {

    private static StatusResponse.Builder threeNodes(long answering, String role) {
        return StatusResponse.newBuilder().setId(answering).setRole(role).setTerm(4).setLeader(2)
                .setCommitIndex(17).setAppliedIndex(16).setLastIndex(17)
                .addMembers(Member.newBuilder().setId(3).setAddress("127.0.0.1:7003").setLearner(true))
                .addMembers(Member.newBuilder().setId(1).setAddress("127.0.0.1:7001"))
                .addMembers(Member.newBuilder().setId(2).setAddress("127.0.0.1:7002").setLeader(true));
    }

    @Test
    void aLeadersAnswerShowsEveryMembersMatchIndexAndProgress() {
        StatusResponse leader = threeNodes(2, "LEADER")
                .setMembers(0, Member.newBuilder().setId(3).setAddress("127.0.0.1:7003").setLearner(true)
                        .setMatchIndex(9).setProgress("PROBE"))
                .setMembers(1, Member.newBuilder().setId(1).setAddress("127.0.0.1:7001")
                        .setMatchIndex(17).setProgress("REPLICATE"))
                .setMembers(2, Member.newBuilder().setId(2).setAddress("127.0.0.1:7002").setLeader(true)
                        .setMatchIndex(17).setProgress("LEADER"))
                .build();

        assertThat(StatusTable.format(leader)).isEqualTo("""
                Node 2 answered: leader, term 4, commit index 17, applied index 16, leader node 2

                ID  ADDRESS         ROLE     LEADER  MATCH INDEX  PROGRESS
                1   127.0.0.1:7001  voter            17           replicate
                2   127.0.0.1:7002  voter    *       17           leader
                3   127.0.0.1:7003  learner          9            probe
                """);
    }

    @Test
    void aFollowersAnswerSaysWhereToAskForMatchIndexes() {
        assertThat(StatusTable.format(threeNodes(1, "FOLLOWER").addRemoved(5).addRemoved(4).build())).isEqualTo("""
                Node 1 answered: follower, term 4, commit index 17, applied index 16, leader node 2

                ID  ADDRESS         ROLE     LEADER  MATCH INDEX  PROGRESS
                1   127.0.0.1:7001  voter            -            -
                2   127.0.0.1:7002  voter    *       -            -
                3   127.0.0.1:7003  learner          -            -

                Removed (never to return): 5, 4

                Match index and progress are known only on the leader: ask it with --endpoints 127.0.0.1:7002
                """);
    }

    @Test
    void aNodeThatKnowsNoLeaderSaysSo() {
        StatusResponse candidate = StatusResponse.newBuilder().setId(1).setRole("CANDIDATE").setTerm(7)
                .addMembers(Member.newBuilder().setId(1).setAddress("127.0.0.1:7001")).build();

        assertThat(StatusTable.format(candidate)).startsWith(
                "Node 1 answered: candidate, term 7, commit index 0, applied index 0, leader unknown\n");
    }

    @Test
    void clusterStatusPrintsTheTableOfTheNodeThatAnswers() {
        StatusResponse status = threeNodes(1, "FOLLOWER").build();
        try (FakeStore store = FakeStore.start().answerStatusWith(status)) {
            CliRun run = CliRun.of("cluster", "status", "--endpoints", store.endpoint().toString());

            assertThat(run).isEqualTo(new CliRun(0, StatusTable.format(status), ""));
        }
    }
}
