package dev.leasehold.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.leasehold.api.v1.GetRequest;
import dev.leasehold.api.v1.GetResponse;
import dev.leasehold.api.v1.PutRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseholdClientTest {

    private static GetRequest get(String key) {
        return GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build();
    }

    @Test
    void aCallSucceedsOnTheNextEndpointWhenTheFirstIsUnreachable() {
        try (FakeStore store = FakeStore.start().put("a", "1");
             LeaseholdClient client = new LeaseholdClient(List.of(FakeStore.unusedEndpoint(), store.endpoint()))) {
            GetResponse response = client.get(get("a"));

            assertThat(response.getFound()).isTrue();
            assertThat(response.getKv().getValue().toStringUtf8()).isEqualTo("1");
        }
    }

    @Test
    void aNodeThatCannotServeTheCallPassesItToTheNextAndLaterCallsStartThere() {
        try (FakeStore noLeader = FakeStore.start()
                     .failEveryCallAsNotApplied(Status.UNAVAILABLE.withDescription("no leader known; retry"));
             FakeStore healthy = FakeStore.start();
             LeaseholdClient client = new LeaseholdClient(List.of(noLeader.endpoint(), healthy.endpoint()))) {
            client.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
                    .setValue(ByteString.copyFromUtf8("1")).build());
            client.get(get("a"));

            assertThat(noLeader.calls()).isEqualTo(1);
            assertThat(healthy.calls()).isEqualTo(2);
        }
    }

    @Test
    void aWriteThatMayHaveBeenAppliedIsNotSentAgainButAReadIs() {
        try (FakeStore unsure = FakeStore.start().put("a", "1")
                     .failEveryCallWith(Status.UNAVAILABLE.withDescription("the connection broke"));
             FakeStore healthy = FakeStore.start().put("a", "1");
             LeaseholdClient client = new LeaseholdClient(List.of(unsure.endpoint(), healthy.endpoint()))) {
            OutcomeUnknownException e = catchThrowableOfType(OutcomeUnknownException.class,
                    () -> client.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
                            .setValue(ByteString.copyFromUtf8("2")).build()));
            assertThat(e.status().getDescription()).isEqualTo("the connection broke");
            assertThat(healthy.calls()).isZero();

            assertThat(client.get(get("a")).getKv().getValue().toStringUtf8()).isEqualTo("1");
            assertThat(healthy.calls()).isEqualTo(1);
        }
    }

    @Test
    void anErrorOtherThanUnavailableIsThrownWithoutTryingAnotherEndpoint() {
        try (FakeStore first = FakeStore.start();
             FakeStore second = FakeStore.start();
             LeaseholdClient client = new LeaseholdClient(List.of(first.endpoint(), second.endpoint()))) {
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> client.get(get(FakeStore.INVALID_KEY)));

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("key 'invalid' is not allowed here");
            assertThat(second.calls()).isZero();
        }
    }

    @Test
    void whenNoEndpointCanBeReachedTheCallFailsAtItsDeadlineNamingTheEndpoints() {
        List<Endpoint> endpoints = List.of(FakeStore.unusedEndpoint(), FakeStore.unusedEndpoint());
        try (LeaseholdClient client = new LeaseholdClient(endpoints, Duration.ofMillis(300))) {
            ClusterUnavailableException e = catchThrowableOfType(ClusterUnavailableException.class,
                    client::status);

            assertThat(e.anyNodeReached()).isFalse();
            assertThat(e.endpoints()).isEqualTo(endpoints);
            assertThat(e.lastStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
    }

    @Test
    void whenReachableNodesKeepAnsweringUnavailableTheFailureSaysANodeWasReached() {
        try (FakeStore store = FakeStore.start()
                     .failEveryCallWith(Status.UNAVAILABLE.withDescription("no leader known; retry"));
             LeaseholdClient client = new LeaseholdClient(List.of(store.endpoint()), Duration.ofMillis(300))) {
            ClusterUnavailableException e = catchThrowableOfType(ClusterUnavailableException.class,
                    client::status);

            assertThat(e.anyNodeReached()).isTrue();
            assertThat(e.lastStatus().getDescription()).isEqualTo("no leader known; retry");
        }
    }
}
