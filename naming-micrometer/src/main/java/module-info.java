/**
 * Micrometer meters for a {@code Naming}: {@link dev.naming.micrometer.NamingMetrics}, a
 * {@code MeterBinder} fed by the naming SPI's observer.
 */
module dev.naming.micrometer {
    requires transitive dev.naming.api;
    requires transitive micrometer.core;

    exports dev.naming.micrometer;
}
