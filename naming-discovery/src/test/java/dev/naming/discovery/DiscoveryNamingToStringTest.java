package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.naming.Naming;
import dev.naming.NamingUri;
import org.junit.jupiter.api.Test;

class DiscoveryNamingToStringTest {

    @Test
    void toStringNamesTheNodesAndTheSettingsThatPickInstances() {
        // building a discovery Naming sends nothing: no node needs to listen
        Naming naming = new DiscoveryProvider().create(
                NamingUri.parse("discovery://10.0.0.1:7171,10.0.0.2?env=dev&zone=sh1&region=sh&hostname=box-1"));
        assertEquals("DiscoveryNaming[discovery://10.0.0.1:7171,10.0.0.2:7171?env=dev&zone=sh1&region=sh]",
                naming.toString());
        naming.close();
        assertEquals("DiscoveryNaming[discovery://10.0.0.1:7171,10.0.0.2:7171?env=dev&zone=sh1&region=sh, closed]",
                naming.toString());
    }
}
