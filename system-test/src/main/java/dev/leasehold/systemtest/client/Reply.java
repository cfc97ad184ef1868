package dev.leasehold.systemtest.client;

import java.util.function.Function;

/**
 * What a {@link LockClient} call came to, told apart the way a history must: the answer, a refusal that
 * certainly changed nothing, or an outcome nobody knows (a timeout, a broken connection, a node that went away
 * after the request was sent), which may or may not have taken effect.
 *
 * @param <T> the type of the answer
 */
public sealed interface Reply<T> permits Reply.Ok, Reply.Refused, Reply.Unknown {

    /** The same reply with the answer, if any, turned by {@code f}. */
    default <U> Reply<U> map(Function<? super T, ? extends U> f) {
        if (this instanceof Ok<T> ok) {
            return new Ok<>(f.apply(ok.value()));
        }
        if (this instanceof Refused<T> refused) {
            return new Refused<>(refused.code(), refused.why());
        }
        return new Unknown<>(((Unknown<T>) this).why());
    }

    /**
     * The store answered.
     *
     * @param value the answer
     * @param <T>   its type
     */
    record Ok<T>(T value) implements Reply<T> {
    }

    /**
     * The store refused the request, which changed nothing.
     *
     * @param code the gRPC status code
     * @param why  the store's message
     * @param <T>  the type the answer would have had
     */
    record Refused<T>(String code, String why) implements Reply<T> {
    }

    /**
     * The outcome is unknown.
     *
     * @param why what went wrong
     * @param <T> the type the answer would have had
     */
    record Unknown<T>(String why) implements Reply<T> {
    }
}
