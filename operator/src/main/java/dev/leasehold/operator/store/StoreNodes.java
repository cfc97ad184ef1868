package dev.leasehold.operator.store;

import com.google.common.util.concurrent.ListenableFuture;
import dev.leasehold.api.v1.AddLearnerRequest;
import dev.leasehold.api.v1.BootstrapRequest;
import dev.leasehold.api.v1.BootstrapResponse;
import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.PromoteRequest;
import dev.leasehold.api.v1.RemoveMemberRequest;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.api.v1.TransferLeadershipRequest;
import dev.leasehold.operator.model.NodeAnswer;
import io.fabric8.kubernetes.api.model.Pod;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The store nodes' Cluster API, as the operator calls it: one channel per member address, kept while the operator
 * runs (an idle channel holds no connection). Every call has a short deadline, so that a silent Pod slows a
 * reconciliation by seconds, not more.
 */
@Singleton
public class StoreNodes {

    private static final long STATUS_DEADLINE_MILLIS = 2_000;
    private static final long BOOTSTRAP_DEADLINE_MILLIS = 5_000;
    private static final long MEMBERSHIP_DEADLINE_MILLIS = 10_000;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /** Asks every Pod that runs for its status, all at once; a Pod that does not run is silent, saying why. */
    public List<NodeAnswer> status(List<Pod> pods, Function<Pod, String> addressOf) {
        record Asked(Pod pod, String address, ListenableFuture<StatusResponse> answer) {
        }
        List<Asked> asked = new ArrayList<>();
        List<NodeAnswer> answers = new ArrayList<>();
        for (Pod pod : pods) {
            String name = pod.getMetadata().getName();
            String address = addressOf.apply(pod);
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (!"Running".equals(phase)) {
                answers.add(NodeAnswer.silent(name, address, "Pod is " + (phase == null ? "not scheduled" : phase)));
                continue;
            }
            asked.add(new Asked(pod, address, ClusterGrpc.newFutureStub(channel(address))
                    .withDeadlineAfter(STATUS_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .status(StatusRequest.getDefaultInstance())));
        }
        for (Asked a : asked) {
            String name = a.pod().getMetadata().getName();
            try {
                answers.add(NodeAnswer.answered(name, a.address(), a.answer().get()));
            } catch (ExecutionException e) {
                answers.add(NodeAnswer.silent(name, a.address(), describe(Status.fromThrowable(e.getCause()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answers.add(NodeAnswer.silent(name, a.address(), "interrupted"));
            }
        }
        return answers;
    }

    /**
     * Calls {@code Bootstrap} on one node.
     *
     * @throws io.grpc.StatusRuntimeException as the node or the channel answered
     */
    public BootstrapResponse bootstrap(String address, BootstrapRequest request) {
        return ClusterGrpc.newBlockingStub(channel(address))
                .withDeadlineAfter(BOOTSTRAP_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .bootstrap(request);
    }

    /**
     * Adds a learner, through the node at {@code address} (a follower forwards to the leader).
     *
     * @throws io.grpc.StatusRuntimeException as the node or the channel answered
     */
    public void addLearner(String address, long id, String memberAddress) {
        membership(address).addLearner(AddLearnerRequest.newBuilder().setId(id).setAddress(memberAddress).build());
    }

    /** Promotes a learner; the leader refuses ({@code FAILED_PRECONDITION}) while it lags. */
    public void promote(String address, long id) {
        membership(address).promote(PromoteRequest.newBuilder().setId(id).build());
    }

    /** Removes a member from Raft. */
    public void remove(String address, long id) {
        membership(address).removeMember(RemoveMemberRequest.newBuilder().setId(id).build());
    }

    /** Hands leadership to {@code target}; returns once it leads, or fails. */
    public void transferLeadership(String address, long target) {
        membership(address).transferLeadership(TransferLeadershipRequest.newBuilder().setTarget(target).build());
    }

    private ClusterGrpc.ClusterBlockingStub membership(String address) {
        return ClusterGrpc.newBlockingStub(channel(address))
                .withDeadlineAfter(MEMBERSHIP_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A failed call in a few words: its code and, if the node gave one, its reason. */
    public static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }

    /** The channel to a member address, shared by every caller in the operator. */
    public ManagedChannel channel(String address) {
        return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a).usePlaintext()
                .idleTimeout(1, TimeUnit.MINUTES).build());
    }

    @PreDestroy
    void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
