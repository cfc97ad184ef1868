/**
 * A Java client of a Leasehold store: {@link dev.leasehold.client.LeaseholdClient} over the store's gRPC API
 * (the request and response types are the generated ones of {@code dev.leasehold.api.v1}).
 */
package dev.leasehold.client;
