package dev.leasehold.localnode;

import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;

/** Informer handlers that care only whether an object is there (added or updated) or gone. */
final class Handlers {

    private Handlers() {
    }

    static <T> ResourceEventHandler<T> onChangeAndDelete(Consumer<T> onChange, Consumer<T> onDelete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                onChange.accept(object);
            }

            @Override
            public void onUpdate(T old, T object) {
                onChange.accept(object);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                onDelete.accept(object);
            }
        };
    }

    static <T> ResourceEventHandler<T> onChange(Consumer<T> onChange) {
        return onChangeAndDelete(onChange, gone -> { });
    }
}
