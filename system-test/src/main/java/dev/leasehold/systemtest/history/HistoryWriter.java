package dev.leasehold.systemtest.history;

import dev.leasehold.systemtest.history.HistoryEvent.Kind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Appends one process's history to its own file, a line per event, flushed at once so that the file is complete
 * up to the last event even if the process is killed.
 *
 * <p>Every event is stamped with {@link System#nanoTime()}. The histories of several JVMs are merged on that
 * clock, which is sound only because on Linux HotSpot reads it from {@code clock_gettime(CLOCK_MONOTONIC)}, one
 * clock for the whole machine (time since boot), not a per-process counter; {@code SharedClockTest} checks this
 * assumption on the machine that runs the tests. The store nodes' session clocks are the same clock, so a
 * session's lower bound on expiry (the send time of its last acknowledged keep-alive plus its TTL) can be
 * compared with the times at which other processes saw it end.
 */
public final class HistoryWriter implements AutoCloseable {

    private final String process;
    private final BufferedWriter out;
    private long nextId = 1;

    public HistoryWriter(Path file, String process) {
        this.process = process;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write history " + file, e);
        }
    }

    /** Records that operation {@code fields} is about to be sent (call it last, just before sending); its id. */
    public synchronized long invoke(Map<String, String> fields) {
        long id = nextId++;
        write(new HistoryEvent(System.nanoTime(), process, Kind.INVOKE, id, fields));
        return id;
    }

    /** Records that operation {@code id} returned {@code result} (call it first, just after the answer came). */
    public synchronized void ok(long id, Map<String, String> result) {
        write(new HistoryEvent(System.nanoTime(), process, Kind.OK, id, result));
    }

    /** Records that operation {@code id} was refused and certainly had no effect. */
    public synchronized void fail(long id, Map<String, String> why) {
        write(new HistoryEvent(System.nanoTime(), process, Kind.FAIL, id, why));
    }

    /** Records that the outcome of operation {@code id} is unknown: it may or may not take effect. */
    public synchronized void info(long id, Map<String, String> why) {
        write(new HistoryEvent(System.nanoTime(), process, Kind.INFO, id, why));
    }

    /** Records a fact observed now. */
    public synchronized void note(Map<String, String> fact) {
        write(new HistoryEvent(System.nanoTime(), process, Kind.NOTE, nextId++, fact));
    }

    private void write(HistoryEvent event) {
        try {
            out.write(event.toLine());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the history of " + process, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
