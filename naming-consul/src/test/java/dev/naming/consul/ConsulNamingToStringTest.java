package dev.naming.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.naming.Naming;
import dev.naming.NamingUri;
import org.junit.jupiter.api.Test;

class ConsulNamingToStringTest {

    @Test
    void toStringNamesTheAgentsAndHidesTheToken() {
        // building a consul Naming sends nothing: no agent needs to listen
        try (Naming naming = new ConsulProvider().create(
                NamingUri.parse("consul://10.0.0.1:8500,10.0.0.2:8500?dc=dc1&token=s3cret-token"))) {
            String text = naming.toString();
            assertFalse(text.contains("s3cret-token"), text);
            assertEquals("ConsulNaming[consul://10.0.0.1:8500,10.0.0.2:8500?dc=dc1&token=****]",
                    text);
        }
    }
}
