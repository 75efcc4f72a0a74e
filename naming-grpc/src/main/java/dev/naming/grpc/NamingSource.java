package dev.naming.grpc;

import dev.naming.Naming;

/** Where a resolver gets its {@link Naming}: one given by the application, or one shared per URL. */
interface NamingSource {

    /**
     * A {@code Naming} for one resolver, to {@link Lease#release() release} when it shuts down.
     *
     * @throws RuntimeException when no {@code Naming} can be had (no backend, a malformed URL)
     */
    Lease acquire();

    /** One resolver's use of a {@code Naming}. */
    interface Lease {

        Naming naming();

        /** Ends this use; the second call does nothing. */
        void release();
    }

    /** The application's {@code Naming}: shared by every resolver, never closed by them. */
    static NamingSource of(Naming naming) {
        Lease lease = new Lease() {
            @Override
            public Naming naming() {
                return naming;
            }

            @Override
            public void release() {
            }
        };
        return () -> lease;
    }
}
