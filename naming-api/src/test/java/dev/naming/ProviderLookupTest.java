package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.spi.NamingProvider;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        return lookup(env, Map.of(), providers);
    }

    private static ProviderLookup lookup(Map<String, String> env, Map<String, String> properties,
                                         NamingProvider... providers) {
        return new ProviderLookup(List.of(providers), env::get, properties::get);
    }

    private record Recording(String scheme, List<NamingUri> created) implements NamingProvider {
        @Override
        public Naming create(NamingUri uri) {
            created.add(uri);
            return DUMMY;
        }
    }

    @Test
    void unknownSchemeListsTheSchemesOnTheClasspath() {
        NamingException e = assertThrows(NamingException.class,
                () -> lookup(Map.of(), new Fixed("consul"), new Fixed("inmemory")).connect(NamingUri.parse("zk://h")));
        assertTrue(e.getMessage().contains("consul") && e.getMessage().contains("inmemory"), e.getMessage());
    }

    @Test
    void unknownSchemeNamesOnlyArtifactsThatExist() {
        NamingException e = assertThrows(NamingException.class,
                () -> lookup(Map.of(), new Fixed("inmemory")).connect(NamingUri.parse("zk://h")));
        assertFalse(e.getMessage().contains("naming-zk"), e.getMessage());
        assertTrue(e.getMessage().contains("dev.naming:naming-consul (consul:)")
                && e.getMessage().contains("dev.naming:naming-discovery (discovery:)"), e.getMessage());
    }

    @Test
    void aProjectBackendMissingFromTheClasspathIsNamedByItsArtifact() {
        NamingException e = assertThrows(NamingException.class,
                () -> lookup(Map.of(), new Fixed("inmemory")).connect(NamingUri.parse("consul://h")));
        assertTrue(e.getMessage().contains("add the dependency dev.naming:naming-consul"), e.getMessage());
    }

    @Test
    void theNamingUrlPropertyWinsOverTheEnvironmentVariable() {
        List<NamingUri> created = new ArrayList<>();
        lookup(Map.of("NAMING_URL", "inmemory://from-env"), Map.of("naming.url", "inmemory://from-property"),
                new Recording("inmemory", created)).connectDefault();
        assertEquals(List.of(NamingUri.parse("inmemory://from-property")), created);
        assertEquals(Optional.of(NamingUri.parse("inmemory://from-property")), NamingUri.configured(
                Map.of("NAMING_URL", "inmemory://from-env")::get, Map.of("naming.url", "inmemory://from-property")::get));
    }

    @Test
    void aBlankPropertyLeavesTheChoiceToTheEnvironmentVariable() {
        assertEquals(Optional.of(NamingUri.parse("inmemory://from-env")), NamingUri.configured(
                Map.of("NAMING_URL", "inmemory://from-env")::get, Map.of("naming.url", " ")::get));
        assertEquals(Optional.empty(), NamingUri.configured(Map.<String, String>of()::get, Map.<String, String>of()::get));
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

    @Test
    void connectLooksTheSchemeUpAmongTheProvidersOnTheClasspath() {
        // naming-api's tests have no backend on their class path
        NamingException byUri = assertThrows(NamingException.class, () -> Naming.connect("consul://h:8500"));
        assertEquals("no naming provider for scheme 'consul'; on the classpath: none (add the dependency "
                + "dev.naming:naming-consul)", byUri.getMessage());
        NamingException parsed = assertThrows(NamingException.class, () -> Naming.connect(NamingUri.parse("nosuch:")));
        assertEquals("no naming provider for scheme 'nosuch'; on the classpath: none (this project's backends: "
                + "dev.naming:naming-inmemory (inmemory:), dev.naming:naming-consul (consul:), "
                + "dev.naming:naming-discovery (discovery:))", parsed.getMessage());
        assertEquals("uri must not be null",
                assertThrows(IllegalArgumentException.class, () -> Naming.connect((NamingUri) null)).getMessage());
    }
}
