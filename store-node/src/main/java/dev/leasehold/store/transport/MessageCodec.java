package dev.leasehold.store.transport;

import com.google.protobuf.ByteString;
import dev.leasehold.api.peer.v1.RaftEntry;
import dev.leasehold.api.peer.v1.RaftMembership;
import dev.leasehold.api.peer.v1.RaftMessage;
import dev.leasehold.api.peer.v1.SnapshotMeta;
import dev.leasehold.raft.Entry;
import dev.leasehold.raft.EntryType;
import dev.leasehold.raft.Membership;
import dev.leasehold.raft.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Translates the core's messages to and from the peer protocol. InstallSnapshot travels separately, in chunks. */
public final class MessageCodec {

    private MessageCodec() {
    }

    public static RaftMessage encode(Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder().setFrom(m.from()).setTo(m.to()).setTerm(m.term());
        if (m instanceof Message.AppendEntries a) {
            var body = dev.leasehold.api.peer.v1.AppendEntries.newBuilder().setPrevIndex(a.prevIndex())
                    .setPrevTerm(a.prevTerm()).setCommit(a.commit());
            for (Entry e : a.entries()) {
                body.addEntries(encode(e));
            }
            b.setAppend(body);
        } else if (m instanceof Message.AppendResponse r) {
            b.setAppendResponse(dev.leasehold.api.peer.v1.AppendResponse.newBuilder().setIndex(r.index())
                    .setReject(r.reject()).setHintIndex(r.hintIndex()).setHintTerm(r.hintTerm()));
        } else if (m instanceof Message.Heartbeat h) {
            b.setHeartbeat(dev.leasehold.api.peer.v1.Heartbeat.newBuilder().setCommit(h.commit())
                    .setReadRound(h.readRound()));
        } else if (m instanceof Message.HeartbeatResponse h) {
            b.setHeartbeatResponse(dev.leasehold.api.peer.v1.HeartbeatResponse.newBuilder()
                    .setReadRound(h.readRound()));
        } else if (m instanceof Message.RequestVote v) {
            b.setRequestVote(dev.leasehold.api.peer.v1.RequestVote.newBuilder().setLastIndex(v.lastIndex())
                    .setLastTerm(v.lastTerm()).setPreVote(v.preVote()).setTransfer(v.transfer()));
        } else if (m instanceof Message.VoteResponse v) {
            b.setVoteResponse(dev.leasehold.api.peer.v1.VoteResponse.newBuilder().setPreVote(v.preVote())
                    .setReject(v.reject()));
        } else if (m instanceof Message.TimeoutNow) {
            b.setTimeoutNow(dev.leasehold.api.peer.v1.TimeoutNow.getDefaultInstance());
        } else if (m instanceof Message.ReadIndexRequest r) {
            b.setReadIndex(dev.leasehold.api.peer.v1.ReadIndexRequest.newBuilder().setRequestId(r.requestId()));
        } else if (m instanceof Message.ReadIndexResponse r) {
            b.setReadIndexResponse(dev.leasehold.api.peer.v1.ReadIndexResponse.newBuilder()
                    .setRequestId(r.requestId()).setIndex(r.index()));
        } else {
            throw new IllegalArgumentException("not sent on the message stream: " + m.getClass().getSimpleName());
        }
        return b.build();
    }

    /**
     * @throws IllegalArgumentException for a message without a body (from a newer or broken peer)
     */
    public static Message decode(RaftMessage m) {
        long from = m.getFrom();
        long to = m.getTo();
        long term = m.getTerm();
        return switch (m.getBodyCase()) {
            case APPEND -> {
                var a = m.getAppend();
                List<Entry> entries = new ArrayList<>(a.getEntriesCount());
                for (RaftEntry e : a.getEntriesList()) {
                    entries.add(decode(e));
                }
                yield new Message.AppendEntries(from, to, term, a.getPrevIndex(), a.getPrevTerm(), entries,
                        a.getCommit());
            }
            case APPEND_RESPONSE -> {
                var r = m.getAppendResponse();
                yield new Message.AppendResponse(from, to, term, r.getIndex(), r.getReject(), r.getHintIndex(),
                        r.getHintTerm());
            }
            case HEARTBEAT -> new Message.Heartbeat(from, to, term, m.getHeartbeat().getCommit(),
                    m.getHeartbeat().getReadRound());
            case HEARTBEAT_RESPONSE -> new Message.HeartbeatResponse(from, to, term,
                    m.getHeartbeatResponse().getReadRound());
            case REQUEST_VOTE -> {
                var v = m.getRequestVote();
                yield new Message.RequestVote(from, to, term, v.getLastIndex(), v.getLastTerm(), v.getPreVote(),
                        v.getTransfer());
            }
            case VOTE_RESPONSE -> new Message.VoteResponse(from, to, term, m.getVoteResponse().getPreVote(),
                    m.getVoteResponse().getReject());
            case TIMEOUT_NOW -> new Message.TimeoutNow(from, to, term);
            case READ_INDEX -> new Message.ReadIndexRequest(from, to, term, m.getReadIndex().getRequestId());
            case READ_INDEX_RESPONSE -> new Message.ReadIndexResponse(from, to, term,
                    m.getReadIndexResponse().getRequestId(), m.getReadIndexResponse().getIndex());
            case BODY_NOT_SET -> throw new IllegalArgumentException("raft message from " + from + " has no body");
        };
    }

    public static RaftEntry encode(Entry e) {
        return RaftEntry.newBuilder().setTerm(e.term()).setIndex(e.index()).setConfig(e.type() == EntryType.CONFIG)
                .setData(ByteString.copyFrom(e.data())).build();
    }

    public static Entry decode(RaftEntry e) {
        return new Entry(e.getTerm(), e.getIndex(), e.getConfig() ? EntryType.CONFIG : EntryType.NORMAL,
                e.getData().toByteArray());
    }

    public static SnapshotMeta encodeMeta(long index, long term, Membership membership) {
        return SnapshotMeta.newBuilder().setIndex(index).setTerm(term).setMembership(RaftMembership.newBuilder()
                .addAllVoters(membership.voters()).addAllLearners(membership.learners())
                .addAllRemoved(membership.removed())).build();
    }

    public static Membership decodeMembership(RaftMembership m) {
        return new Membership(new TreeSet<>(m.getVotersList()), new TreeSet<>(m.getLearnersList()),
                new TreeSet<>(m.getRemovedList()));
    }
}
