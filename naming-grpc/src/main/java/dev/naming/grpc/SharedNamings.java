package dev.naming.grpc;

import dev.naming.Naming;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link Naming}s that {@code naming:} targets open by themselves: one per registry URL, shared by
 * every resolver of this class loader, and closed when the last resolver using it shuts down. So a
 * process watches each service once however many channels name it, and a channel shutdown leaves no
 * thread of the library behind once no other channel needs that registry.
 */
final class SharedNamings implements NamingSource {

    /** {@code naming.url}, then {@code NAMING_URL}, then the only backend: what {@code Naming.connect()} reads. */
    static final SharedNamings SYSTEM = new SharedNamings(SharedNamings::configuredUrl,
            url -> url.isEmpty() ? Naming.connect() : Naming.connect(url));

    private final Supplier<String> url;
    private final Function<String, Naming> connector;
    private final Map<String, Shared> open = new HashMap<>();

    SharedNamings(Supplier<String> url, Function<String, Naming> connector) {
        this.url = url;
        this.connector = connector;
    }

    @Override
    public Lease acquire() {
        String key = url.get();
        Shared shared;
        synchronized (this) {
            shared = open.get(key);
            if (shared == null) {
                shared = new Shared(key, connector.apply(key));
                open.put(key, shared);
            }
            shared.users++;
        }
        Shared used = shared;
        AtomicBoolean released = new AtomicBoolean();
        return new Lease() {
            @Override
            public Naming naming() {
                return used.naming;
            }

            @Override
            public void release() {
                if (released.compareAndSet(false, true)) {
                    SharedNamings.this.release(used);
                }
            }
        };
    }

    private void release(Shared shared) {
        synchronized (this) {
            if (--shared.users > 0) {
                return;
            }
            open.remove(shared.url, shared);
        }
        // outside the lock: a resolver starting meanwhile opens a fresh Naming rather than waiting
        shared.naming.close();
    }

    /** The URL {@code Naming.connect()} would use, or empty for "the only backend on the classpath". */
    static String configuredUrl() {
        String url = System.getProperty("naming.url");
        if (url == null || url.isBlank()) {
            url = System.getenv("NAMING_URL");
        }
        return url == null || url.isBlank() ? "" : url.trim();
    }

    private static final class Shared {
        final String url;
        final Naming naming;
        int users;

        Shared(String url, Naming naming) {
            this.url = url;
            this.naming = naming;
        }
    }
}
