package dev.leasehold.store.storage;

import com.google.protobuf.Message;
import java.util.Optional;

/**
 * What applying one log entry produced.
 *
 * @param index    the entry's index
 * @param term     the entry's term
 * @param response the client-visible answer, for commands that have one
 */
public record ApplyResult(long index, long term, Optional<Message> response) {
}
