package dev.leasehold.localnode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodAddressesTest {

    @TempDir
    Path locks;
    @TempDir
    Path rootA;
    @TempDir
    Path rootB;

    @Test
    void twoNodesClaimDifferentSubnetsNeverTheControlPlanesOwn() {
        try (PodAddresses a = PodAddresses.claim(locks, rootA); PodAddresses b = PodAddresses.claim(locks, rootB)) {
            assertThat(a.cidr()).isNotEqualTo(b.cidr());
            assertThat(a.cidr()).matches("127\\.([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\\.0\\.0/16");
            assertThat(b.cidr()).doesNotStartWith("127.0.");
            assertThat(a.owns(a.addressOf("ns", "p"))).isTrue();
            assertThat(b.owns(a.addressOf("ns", "p"))).isFalse();
        }
    }

    @Test
    void aPodKeepsItsAddressAcrossARestartOfTheNodeAndCollisionsAreResolvedAndRemembered() {
        // "Aa" and "BB" have the same String hash, so these two Pods want the same host number
        String first;
        String second;
        String cidr;
        try (PodAddresses addresses = PodAddresses.claim(locks, rootA)) {
            cidr = addresses.cidr();
            first = addresses.addressOf("ns", "Aa");
            second = addresses.addressOf("ns", "BB");
            assertThat(second).isNotEqualTo(first);
            assertThat(addresses.addressOf("ns", "Aa")).isEqualTo(first);
        }

        try (PodAddresses again = PodAddresses.claim(locks, rootA)) {
            assertThat(again.cidr()).isEqualTo(cidr);
            // asked in the other order this time: each still gets its own
            assertThat(again.addressOf("ns", "BB")).isEqualTo(second);
            assertThat(again.addressOf("ns", "Aa")).isEqualTo(first);
        }
    }

    @Test
    void aDataRootWhoseSubnetIsTakenMovesToAFreeOne() {
        String before;
        try (PodAddresses a = PodAddresses.claim(locks, rootA)) {
            before = a.cidr();
        }
        try (PodAddresses squatter = PodAddresses.claim(locks, rootB)) {
            assertThat(squatter.cidr()).isEqualTo(before);
            try (PodAddresses a = PodAddresses.claim(locks, rootA)) {
                assertThat(a.cidr()).isNotEqualTo(before);
            }
        }
    }

    @Test
    void addressesAreValidLoopbackAddresses() {
        try (PodAddresses addresses = PodAddresses.claim(locks, rootA)) {
            for (int i = 0; i < 200; i++) {
                String address = addresses.addressOf("ns", "pod-" + i);
                assertThat(address.split("\\.")).hasSize(4).allSatisfy(octet ->
                        assertThat(Integer.parseInt(octet)).isBetween(0, 255));
                assertThat(address).isNotEqualTo(addresses.cidr().replace("/16", ""));
            }
        }
    }
}
