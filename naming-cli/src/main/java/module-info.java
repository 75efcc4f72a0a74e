/**
 * The {@code naming} command. Backends are found with {@link java.util.ServiceLoader}, so the module
 * reads none of them; picocli fills the commands' fields by reflection.
 */
module dev.naming.cli {
    requires dev.naming.api;
    // the demo's gateway routes users by consistent hash
    requires dev.naming.balance;
    requires info.picocli;

    opens dev.naming.cli to info.picocli;

    uses dev.naming.spi.NamingProvider;
}
