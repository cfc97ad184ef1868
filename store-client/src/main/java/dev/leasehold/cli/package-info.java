/**
 * The {@code leasehold} command-line tool: {@code kv} and {@code cluster} calls against a store, and {@code dev},
 * which runs a local cluster of store nodes. Its entry point is {@link dev.leasehold.cli.LeaseholdCli}, run by
 * {@code bin/leasehold}.
 */
package dev.leasehold.cli;
