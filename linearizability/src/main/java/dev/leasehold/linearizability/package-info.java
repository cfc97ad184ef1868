/**
 * A linearizability checker for histories of concurrent operations, and models of Leasehold's register,
 * key-value store and fenced locks.
 *
 * <p>A test records a {@linkplain dev.leasehold.linearizability.Operation history} (each operation's input,
 * its {@linkplain dev.leasehold.linearizability.Outcome outcome} and when it was called and returned, for
 * example with a {@link dev.leasehold.linearizability.HistoryRecorder}), picks the
 * {@linkplain dev.leasehold.linearizability.Model sequential model} the system claims to implement, and asks
 * {@link dev.leasehold.linearizability.Checker#check Checker.check} whether some total order of the
 * operations, consistent with their real-time order, is a legal sequential run of the model. The answer is
 * a {@link dev.leasehold.linearizability.CheckResult}: linearizable (with a witness order), not linearizable
 * (with the longest linearizable prefix found and the operation that could not be placed), or unknown when
 * the time allowed ran out.
 *
 * <p>The search is Wing and Gong's, with the improvements of Lowe ("Testing for linearizability", 2017) and of
 * Porcupine (Athalye): a doubly linked list of call and return events, a cache of (operations linearized,
 * model state) configurations already explored, and P-compositionality (Horn and Kroening), so a model
 * that splits a history into independent parts, such as one per key, has each part checked on its own.
 */
package dev.leasehold.linearizability;
