/**
 * A Java client of a Leasehold store.
 *
 * <p>{@link dev.leasehold.client.LeaseholdClient} talks to the store's gRPC API given some of its nodes' endpoints
 * (the request and response types are the generated ones of {@code dev.leasehold.api.v1}). On top of it:
 * {@link dev.leasehold.client.Session}, kept alive in the background and honest about when it may have been
 * lost; {@link dev.leasehold.client.DistributedLock}, a fair lock of a session whose grants carry a
 * {@link dev.leasehold.client.FencingToken}; and {@link dev.leasehold.client.LeaderElection}.
 */
package dev.leasehold.client;
