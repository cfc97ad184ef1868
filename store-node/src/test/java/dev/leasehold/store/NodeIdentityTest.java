package dev.leasehold.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A StatefulSet member's Raft id belongs to one incarnation: minted on first start, kept in the data directory. */
class NodeIdentityTest {

    @TempDir
    Path root;

    private static NodeConfig parse(String... args) {
        StoreNodeMain main = new StoreNodeMain();
        new CommandLine(main).parseArgs(args);
        return main.config();
    }

    private NodeConfig podNode(String pod, Path dataDir) {
        return parse("--pod-name=" + pod, "--join", "--data-dir=" + dataDir, "--listen=127.0.0.1:0",
                "--advertise=" + pod + ".peers:7001");
    }

    @Test
    void aPodMintsItsIdOnFirstStartAndKeepsItAcrossRestarts() throws Exception {
        Path data = root.resolve("data");
        long first = podNode("store-2", data).id();
        assertThat(first / 1_000_000_000L).as("the id names ordinal 2").isEqualTo(3);
        assertThat(first % 1_000_000_000L).isPositive();
        assertThat(Files.readString(data.resolve(NodeIdentity.FILE)).strip()).isEqualTo(Long.toString(first));
        assertThat(podNode("store-2", data).id()).as("a restart on the same claim").isEqualTo(first);
    }

    @Test
    void anEmptyDirectoryIsANewIncarnationWithANewId() {
        long old = podNode("store-0", root.resolve("old")).id();
        long fresh = podNode("store-0", root.resolve("fresh")).id();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(fresh / 1_000_000_000L).isEqualTo(1);
    }

    @Test
    void aStoreWithoutAnIdOrWithAnotherPodsIdRefusesToStart() throws Exception {
        Path legacy = root.resolve("legacy");
        Files.createDirectories(legacy.resolve("raft"));
        assertThatThrownBy(() -> podNode("store-1", legacy))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds a store but no node-id file");
        assertThat(legacy.resolve(NodeIdentity.FILE)).doesNotExist();

        Path moved = root.resolve("moved");
        long id = podNode("store-1", moved).id();
        assertThatThrownBy(() -> podNode("store-3", moved))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds Raft id " + id + ", which is not an id of Pod ordinal 3");

        Path garbled = root.resolve("garbled");
        Files.createDirectories(garbled);
        Files.writeString(garbled.resolve(NodeIdentity.FILE), "twelve\n");
        assertThatThrownBy(() -> podNode("store-0", garbled))
                .hasMessageContaining("must hold this node's Raft id, a number; it holds 'twelve'");
    }

    @Test
    void aStaticPeerListOrAnExplicitIdKeepsTheGivenIds() {
        NodeConfig fromService = parse("--pod-name=store-1", "--peer-service=store-peers", "--replicas=3",
                "--data-dir=" + root.resolve("a"), "--listen=127.0.0.1:7001");
        assertThat(fromService.id()).isEqualTo(2);
        assertThat(parse("--id=7", "--join", "--data-dir=" + root.resolve("b"), "--listen=127.0.0.1:0",
                "--advertise=x:1").id()).isEqualTo(7);
        assertThat(root.resolve("a").resolve(NodeIdentity.FILE)).doesNotExist();
    }
}
