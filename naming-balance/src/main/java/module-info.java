/**
 * Picking an instance from a subscription's list for the traffic the library does not carry itself:
 * weighted round robin and random, power of two choices, consistent hashing, zone preference, slow
 * start, outlier ejection and retry ({@code dev.naming.balance}). Depends on the API alone.
 */
module dev.naming.balance {
    requires transitive dev.naming.api;

    exports dev.naming.balance;
}
