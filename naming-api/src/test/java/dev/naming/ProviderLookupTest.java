package dev.naming;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.spi.NamingProvider;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderLookupTest {

    private static final Naming DUMMY = (Naming) Proxy.newProxyInstance(Naming.class.getClassLoader(),
            new Class<?>[] {Naming.class}, (p, m, a) -> null);

    private record Fixed(String scheme) implements NamingProvider {
        @Override
        public Naming create(NamingUri uri) {
            return DUMMY;
        }
    }

    private static ProviderLookup lookup(Map<String, String> env, NamingProvider... providers) {
        return new ProviderLookup(List.of(providers), env::get, key -> null);
    }

    @Test
    void unknownSchemeListsTheSchemesOnTheClasspath() {
        NamingException e = assertThrows(NamingException.class,
                () -> lookup(Map.of(), new Fixed("consul"), new Fixed("inmemory")).connect(NamingUri.parse("zk://h")));
        assertTrue(e.getMessage().contains("consul") && e.getMessage().contains("inmemory"), e.getMessage());
    }

    @Test
    void noUrlAndOneProviderUsesIt() {
        assertSame(DUMMY, lookup(Map.of(), new Fixed("inmemory")).connectDefault());
    }

    @Test
    void noUrlAndSeveralProvidersIsAnErrorNamingThem() {
        NamingException e = assertThrows(NamingException.class,
                () -> lookup(Map.of(), new Fixed("consul"), new Fixed("discovery")).connectDefault());
        assertTrue(e.getMessage().contains("consul") && e.getMessage().contains("discovery")
                && e.getMessage().contains("NAMING_URL"), e.getMessage());
    }

    @Test
    void namingUrlChoosesAmongSeveral() {
        assertSame(DUMMY, lookup(Map.of("NAMING_URL", "discovery://h:7171"), new Fixed("consul"),
                new Fixed("discovery")).connectDefault());
    }

    @Test
    void noProviderAtAllIsAnError() {
        assertThrows(NamingException.class, () -> lookup(Map.of()).connectDefault());
    }
}
