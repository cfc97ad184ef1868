package dev.leasehold.store.api;

import dev.leasehold.api.command.v1.Command;
import dev.leasehold.api.command.v1.SetClusterId;
import dev.leasehold.api.command.v1.SetMemberAddress;
import dev.leasehold.api.v1.AddLearnerRequest;
import dev.leasehold.api.v1.BootstrapRequest;
import dev.leasehold.api.v1.BootstrapResponse;
import dev.leasehold.api.v1.ClusterGrpc;
import dev.leasehold.api.v1.Member;
import dev.leasehold.api.v1.MembershipResponse;
import dev.leasehold.api.v1.PromoteRequest;
import dev.leasehold.api.v1.RemoveMemberRequest;
import dev.leasehold.api.v1.StatusRequest;
import dev.leasehold.api.v1.StatusResponse;
import dev.leasehold.api.v1.TransferLeadershipRequest;
import dev.leasehold.api.v1.TransferLeadershipResponse;
import dev.leasehold.raft.ConfChange;
import dev.leasehold.raft.ConfChangeType;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.RaftStatus;
import dev.leasehold.raft.Role;
import dev.leasehold.store.NotLeaderException;
import dev.leasehold.store.RaftDriver;
import dev.leasehold.store.StoreException;
import dev.leasehold.store.storage.StateMachine;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongFunction;

/** Status and membership of the store: what the Kubernetes operator and `leasehold cluster` use. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private static final String HOST_PORT = "[^:\\s]+:\\d{1,5}";

    private final RaftDriver driver;
    private final StateMachine stateMachine;
    private final Requests requests;
    private final LongFunction<Optional<String>> addressOf;
    private final ScheduledExecutorService scheduler;
    private final long transferWaitMillis;

    public ClusterService(StateMachine stateMachine, Requests requests, LongFunction<Optional<String>> addressOf,
                          ScheduledExecutorService scheduler, Duration electionTimeout) {
        this.driver = requests.driver();
        this.stateMachine = stateMachine;
        this.requests = requests;
        this.addressOf = addressOf;
        this.scheduler = scheduler;
        this.transferWaitMillis = 3 * electionTimeout.toMillis();
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        RaftStatus s = driver.status();
        StatusResponse.Builder b = StatusResponse.newBuilder().setId(s.id()).setRole(s.role().name())
                .setTerm(s.term()).setLeader(s.leader()).setCommitIndex(s.commit())
                .setAppliedIndex(stateMachine.appliedIndex()).setLastIndex(s.lastIndex())
                .setRevision(stateMachine.revision()).addAllRemoved(s.membership().removed())
                .setClusterId(stateMachine.clusterId());
        for (Member m : members(s)) {
            b.addMembers(m);
        }
        Replies.reply(observer, b.build());
    }

    @Override
    public void addLearner(AddLearnerRequest request, StreamObserver<MembershipResponse> observer) {
        if (request.getId() == 0) {
            Replies.fail(observer, StoreException.invalidArgument("id must be a positive node id"));
            return;
        }
        if (!request.getAddress().matches(HOST_PORT)) {
            Replies.fail(observer, StoreException.invalidArgument(
                    "address must be host:port, was '" + request.getAddress() + "'"));
            return;
        }
        if (!requests.leadsNow()) {
            requests.forward(observer, (channel, relay) -> ClusterGrpc.newStub(channel).addLearner(request, relay));
            return;
        }
        Membership current = driver.status().membership();
        try {
            current.apply(new ConfChange(ConfChangeType.ADD_LEARNER, request.getId()));
        } catch (IllegalArgumentException e) {
            Replies.fail(observer, StoreException.failedPrecondition(e.getMessage()));
            return;
        }
        byte[] address = Command.newBuilder().setMemberAddress(SetMemberAddress.newBuilder()
                .setId(request.getId()).setAddress(request.getAddress())).build().toByteArray();
        CompletableFuture<MembershipResponse> done = driver.propose(address)
                .thenCompose(ignored -> driver.proposeConfChange(
                        new ConfChange(ConfChangeType.ADD_LEARNER, request.getId())))
                .thenApply(ignored -> membershipResponse());
        complete(done, observer, (channel, relay) -> ClusterGrpc.newStub(channel).addLearner(request, relay));
    }

    @Override
    public void promote(PromoteRequest request, StreamObserver<MembershipResponse> observer) {
        change(new ConfChange(ConfChangeType.PROMOTE, request.getId()), observer,
                (channel, relay) -> ClusterGrpc.newStub(channel).promote(request, relay));
    }

    @Override
    public void removeMember(RemoveMemberRequest request, StreamObserver<MembershipResponse> observer) {
        change(new ConfChange(ConfChangeType.REMOVE, request.getId()), observer,
                (channel, relay) -> ClusterGrpc.newStub(channel).removeMember(request, relay));
    }

    @Override
    public void transferLeadership(TransferLeadershipRequest request,
                                   StreamObserver<TransferLeadershipResponse> observer) {
        long target = request.getTarget();
        if (!requests.leadsNow()) {
            requests.forward(observer, (channel, relay) -> ClusterGrpc.newStub(channel).transferLeadership(request, relay));
            return;
        }
        if (target == driver.id()) {
            Replies.reply(observer, TransferLeadershipResponse.newBuilder().setLeader(target).build());
            return;
        }
        driver.transferLeadership(target).whenComplete((started, error) -> {
            if (error != null) {
                Replies.fail(observer, error);
            } else if (!started) {
                Replies.fail(observer, StoreException.failedPrecondition(
                        "cannot transfer leadership to " + target + ": it is not a voter, or this node no longer leads"));
            } else {
                awaitLeader(target, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(transferWaitMillis), observer);
            }
        });
    }

    /**
     * Bootstraps this node into a new cluster (see {@code BootstrapRequest}): its first entries name the voters,
     * the cluster's id and every member's address, identical on every initial member. A node that already holds
     * entries answers by the cluster id it has applied.
     */
    @Override
    public void bootstrap(BootstrapRequest request, StreamObserver<BootstrapResponse> observer) {
        Optional<String> invalid = invalidBootstrap(request, driver.id());
        if (invalid.isPresent()) {
            Replies.fail(observer, StoreException.invalidArgument(invalid.get()));
            return;
        }
        String clusterId = request.getClusterId();
        List<byte[]> commands = new ArrayList<>();
        commands.add(Command.newBuilder().setSetClusterId(SetClusterId.newBuilder().setClusterId(clusterId))
                .build().toByteArray());
        TreeSet<Long> voters = new TreeSet<>();
        for (Member m : request.getMembersList()) {
            voters.add(m.getId());
            commands.add(Command.newBuilder().setMemberAddress(SetMemberAddress.newBuilder().setId(m.getId())
                    .setAddress(m.getAddress())).build().toByteArray());
        }
        driver.bootstrap(Membership.ofVoters(voters), commands).whenComplete((now, error) -> {
            String existing = stateMachine.clusterId();
            if (error != null) {
                Replies.fail(observer, error);
            } else if (now || existing.equals(clusterId)) {
                Replies.reply(observer, BootstrapResponse.newBuilder().setClusterId(clusterId).setBootstrapped(now)
                        .build());
            } else if (existing.isEmpty()) {
                Replies.fail(observer, StoreException.unavailable("this node already holds log entries but has "
                        + "not applied its cluster's id yet; retry"));
            } else {
                Replies.fail(observer, StoreException.failedPrecondition("this node belongs to cluster " + existing
                        + "; it cannot be bootstrapped into cluster " + clusterId));
            }
        });
    }

    /** What is wrong with a bootstrap request, naming the field; empty when nothing is. */
    static Optional<String> invalidBootstrap(BootstrapRequest request, long self) {
        String clusterId = request.getClusterId();
        if (clusterId.isEmpty()) {
            return Optional.of("cluster_id must not be empty");
        }
        if (clusterId.length() > 128 || !clusterId.matches("[\\x21-\\x7e]+")) {
            return Optional.of("cluster_id must be 1 to 128 printable ASCII characters without spaces, was '"
                    + clusterId + "'");
        }
        if (request.getMembersCount() == 0) {
            return Optional.of("members must list every initial member, this node included");
        }
        TreeSet<Long> ids = new TreeSet<>();
        for (int i = 0; i < request.getMembersCount(); i++) {
            Member m = request.getMembers(i);
            String field = "members[" + i + "]";
            if (m.getId() == 0) {
                return Optional.of(field + ".id must be a positive node id");
            }
            if (!ids.add(m.getId())) {
                return Optional.of(field + ".id " + m.getId() + " is listed twice");
            }
            if (!m.getAddress().matches(HOST_PORT)) {
                return Optional.of(field + ".address must be host:port, was '" + m.getAddress() + "'");
            }
            if (m.getLearner()) {
                return Optional.of(field + ".learner must be false: the initial members are voters");
            }
        }
        if (!ids.contains(self)) {
            return Optional.of("members must include this node, id " + self + ", but lists " + ids);
        }
        return Optional.empty();
    }

    private void awaitLeader(long target, long deadline, StreamObserver<TransferLeadershipResponse> observer) {
        RaftStatus s = driver.status();
        if (s.leader() == target) {
            Replies.reply(observer, TransferLeadershipResponse.newBuilder().setLeader(target).build());
        } else if (System.nanoTime() > deadline) {
            Replies.fail(observer, StoreException.unavailable("leadership did not move to " + target
                    + " in time (the leader is now " + s.leader() + "); retry"));
        } else {
            scheduler.schedule(() -> awaitLeader(target, deadline, observer), 20, TimeUnit.MILLISECONDS);
        }
    }

    private void change(ConfChange change, StreamObserver<MembershipResponse> observer,
                        BiConsumer<Channel, StreamObserver<MembershipResponse>> forward) {
        if (!requests.leadsNow()) {
            requests.forward(observer, forward);
            return;
        }
        complete(driver.proposeConfChange(change).thenApply(ignored -> membershipResponse()), observer, forward);
    }

    private void complete(CompletableFuture<MembershipResponse> done, StreamObserver<MembershipResponse> observer,
                          BiConsumer<Channel, StreamObserver<MembershipResponse>> forward) {
        requests.watch(done).whenComplete((response, error) -> {
            Throwable cause = error == null ? null : Replies.cause(error);
            if (cause instanceof NotLeaderException) {
                requests.forward(observer, forward);
            } else if (cause != null) {
                Replies.fail(observer, cause);
            } else {
                Replies.reply(observer, response);
            }
        });
    }

    private MembershipResponse membershipResponse() {
        return MembershipResponse.newBuilder().addAllMembers(members(driver.status())).build();
    }

    private java.util.List<Member> members(RaftStatus s) {
        Membership m = s.membership();
        java.util.List<Member> out = new java.util.ArrayList<>();
        for (long id : m.members()) {
            Member.Builder b = Member.newBuilder().setId(id).setLearner(m.isLearner(id))
                    .setLeader(id == s.leader()).setAddress(addressOf.apply(id).orElse(""));
            RaftStatus.FollowerStatus f = s.followers().get(id);
            if (f != null) {
                b.setMatchIndex(f.match()).setProgress(f.state().name());
            } else if (id == s.id() && s.role() == Role.LEADER) {
                b.setMatchIndex(s.lastIndex()).setProgress("LEADER");
            }
            out.add(b.build());
        }
        return out;
    }
}
