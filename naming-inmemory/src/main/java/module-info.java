/**
 * The in-process registry ({@code inmemory:} URIs): the reference semantics of the naming contract,
 * and {@link dev.naming.inmemory.InMemoryRegistry} for tests of code built on the library.
 */
module dev.naming.inmemory {
    requires transitive dev.naming.api;

    exports dev.naming.inmemory;

    provides dev.naming.spi.NamingProvider with dev.naming.inmemory.InMemoryProvider;
}
