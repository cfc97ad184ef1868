package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EndpointTest {

    @Test
    void readsHostAndPort() {
        assertThat(Endpoint.parse("127.0.0.1:7001")).isEqualTo(new Endpoint("127.0.0.1", 7001));
        assertThat(Endpoint.parse(" node-1.leasehold:7001 ")).isEqualTo(new Endpoint("node-1.leasehold", 7001));
    }

    @Test
    void readsAnIpv6HostInBracketsAndWritesItBack() {
        Endpoint e = Endpoint.parse("[::1]:7001");
        assertThat(e).isEqualTo(new Endpoint("::1", 7001));
        assertThat(e).hasToString("[::1]:7001");
    }

    @Test
    void refusesTextThatIsNotHostAndPortQuotingIt() {
        assertThatThrownBy(() -> Endpoint.parse("localhost")).hasMessage("'localhost' is not host:port");
        assertThatThrownBy(() -> Endpoint.parse(":7001")).hasMessage("':7001' is not host:port");
        assertThatThrownBy(() -> Endpoint.parse("host:")).hasMessage("'host:' is not host:port");
        assertThatThrownBy(() -> Endpoint.parse("host:http")).hasMessage("the port of 'host:http' is not a number");
        assertThatThrownBy(() -> Endpoint.parse("host:70000")).hasMessage("the port of 'host:70000' must be 1-65535");
        assertThatThrownBy(() -> Endpoint.parse("::1:7001")).hasMessageContaining("IPv6 host in brackets");
    }

    @Test
    void readsAListInOrderAndJoinsItBack() {
        String text = "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003";
        assertThat(Endpoint.parseList(text)).containsExactly(new Endpoint("127.0.0.1", 7001),
                new Endpoint("127.0.0.1", 7002), new Endpoint("127.0.0.1", 7003));
        assertThat(Endpoint.join(Endpoint.parseList(text))).isEqualTo(text);
    }

    @Test
    void refusesAnEmptyListAnEmptyEntryAndADuplicate() {
        assertThatThrownBy(() -> Endpoint.parseList(" ")).hasMessageStartingWith("no endpoints given");
        assertThatThrownBy(() -> Endpoint.parseList("a:1,,b:2")).hasMessageStartingWith("empty entry in 'a:1,,b:2'");
        assertThatThrownBy(() -> Endpoint.parseList("a:1,")).hasMessageStartingWith("empty entry in 'a:1,'");
        assertThatThrownBy(() -> Endpoint.parseList("a:1,a:1")).hasMessage("a:1 is listed twice in 'a:1,a:1'");
    }
}
