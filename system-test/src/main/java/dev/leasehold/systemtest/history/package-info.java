/**
 * Histories of the system tests: each process appends its events to its own file ({@link
 * dev.leasehold.systemtest.history.HistoryWriter}), and the test merges them ({@link
 * dev.leasehold.systemtest.history.History}) on the machine's monotonic clock.
 *
 * <p>The operations ({@code op=} of an invocation) and what their completions carry:
 * <ul>
 *   <li>{@code grant ttl} &rarr; ok {@code session ttl};</li>
 *   <li>{@code acquire lock session try} &rarr; ok {@code token}, or for a try that found the lock held
 *       {@code acquired=false}; fail: certainly not granted (cancelled, or the session ended while it
 *       waited); info: may have been granted;</li>
 *   <li>{@code release lock session token} &rarr; ok {@code released=true|false};</li>
 *   <li>{@code put key lock session token value} (a write fenced with the lock's token) &rarr; ok
 *       {@code revision} (the write's modification revision); fail only for FAILED_PRECONDITION, the stale
 *       fence; anything else (UNAVAILABLE, DEADLINE_EXCEEDED, a broken connection) is info;</li>
 *   <li>{@code get key lock} (linearizable) &rarr; ok {@code value} ({@code ""} for a missing key) and
 *       {@code revision};</li>
 *   <li>{@code revoke session} &rarr; ok {@code released} (comma-separated locks it held); fail: the session
 *       was no longer alive;</li>
 *   <li>{@code describe-session session} (the test, linearizable) &rarr; ok {@code alive=true|false}.</li>
 * </ul>
 *
 * <p>Notes ({@code event=}): {@code keepalive-ack session sent} (the send time of an acknowledged keep-alive),
 * {@code session-lost session why}, {@code pause-ready session lock token}, {@code thawed session noticed-loss},
 * {@code fault kind ...}.
 */
package dev.leasehold.systemtest.history;
