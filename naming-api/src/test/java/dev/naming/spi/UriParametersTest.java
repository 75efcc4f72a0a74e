package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.NamingUri;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UriParametersTest {

    // per test, not static: the declarations themselves are under test

    private final UriParameter<Duration> WAIT = UriParameter.duration("wait", Duration.ofSeconds(55), "hold");
    private final UriParameter<Boolean> TLS = UriParameter.bool("tls", false, "https").env("X_SSL");
    private final UriParameter<String> TOKEN = UriParameter.text("token", null, "acl").env("X_TOKEN").secret();
    private final UriParameter<String> DC = UriParameter.text("dc", null, "datacenter")
            .defaultText("the agent's");
    private final UriParameter<Duration> GRACE = UriParameter.stateLossGrace(Duration.ZERO, "why");
    private final UriParameters TABLE = UriParameters.of("x", WAIT, TLS, TOKEN, DC, GRACE);

    private static final Map<String, String> ENV = Map.of("X_SSL", "yes", "X_TOKEN", "from-env");

    private UriParameters.Values read(String uri) {
        return TABLE.read(NamingUri.parse(uri), ENV::get);
    }

    @Test
    void aDurationOutsideItsRangeIsRefusedNamingTheParameter() {
        UriParameter<Duration> timeout = UriParameter.positiveDuration("timeout", Duration.ofSeconds(5), "t");
        UriParameter<Duration> wait = UriParameter.duration("wait", Duration.ofSeconds(55), Duration.ofMillis(100),
                Duration.ofMinutes(10), "w");
        UriParameters table = UriParameters.of("x", timeout, wait);
        assertEquals(Duration.ofMillis(1), table.read(NamingUri.parse("x://h?timeout=1ms"), n -> null).get(timeout));
        assertEquals(Duration.ofMinutes(10), table.read(NamingUri.parse("x://h?wait=10m"), n -> null).get(wait));
        assertEquals("timeout must be positive, was 0s", assertThrows(IllegalArgumentException.class,
                () -> table.read(NamingUri.parse("x://h?timeout=0s"), n -> null)).getMessage());
        assertEquals("wait must be within 100ms-10m, was 11m", assertThrows(IllegalArgumentException.class,
                () -> table.read(NamingUri.parse("x://h?wait=11m"), n -> null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> table.read(NamingUri.parse("x://h?wait=99ms"), n -> null)).getMessage().startsWith("wait must be"));
    }

    @Test
    void aValueComesFromTheUriElseTheEnvironmentElseTheDefault() {
        UriParameters.Values values = read("x://h?wait=2s&tls=false");
        assertEquals(Duration.ofSeconds(2), values.get(WAIT));
        assertFalse(values.get(TLS), "the URI wins over the environment");
        assertEquals("from-env", values.get(TOKEN));
        assertNull(values.get(DC));
        assertEquals(Optional.empty(), values.given(DC));
        assertEquals(Duration.ZERO, values.get(GRACE));

        UriParameters.Values defaults = TABLE.read(NamingUri.parse("x://h?wait=&dc=%20"), name -> null);
        assertEquals(Duration.ofSeconds(55), defaults.get(WAIT), "a blank value counts as not given");
        assertFalse(defaults.get(TLS));
        assertEquals(Optional.empty(), defaults.given(DC));
        assertTrue(read("x://h").get(TLS), "yes from the environment");
    }

    @Test
    void booleansAndTextAreRead() {
        for (String yes : List.of("true", "1", "yes", " TRUE ")) {
            assertTrue(read("x://h?tls=" + yes.replace(" ", "%20")).get(TLS), yes);
        }
        for (String no : List.of("false", "0", "no", "No")) {
            assertFalse(read("x://h?tls=" + no).get(TLS), no);
        }
        assertEquals("dc1", read("x://h?dc=%20dc1%20").get(DC));
    }

    @Test
    void aMalformedValueFailsTheReadNamingTheParameterOrTheVariableItCameFrom() {
        // failing the read, not a later get: a value nothing asks for until much later fails the connect
        assertEquals("tls must be true or false, was 'maybe'",
                assertThrows(IllegalArgumentException.class, () -> read("x://h?tls=maybe")).getMessage());
        IllegalArgumentException fromEnv = assertThrows(IllegalArgumentException.class,
                () -> TABLE.read(NamingUri.parse("x://h"), Map.of("X_SSL", "maybe")::get));
        assertEquals("X_SSL: tls must be true or false, was 'maybe'", fromEnv.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("x://h?wait=soon"))
                .getMessage().startsWith("wait"));
    }

    @Test
    void anUnknownParameterIsRejectedListingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read("x://h?wiat=1s"));
        assertEquals("x uri: unknown parameter 'wiat' (known: wait, tls, token, dc, grace)", e.getMessage());
    }

    @Test
    void aParameterOfAnotherTableIsAMistakeOfTheBackend() {
        UriParameter<Duration> other = UriParameter.duration("wait", null, "another wait");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read("x://h").get(other));
        assertEquals("parameter 'wait' is not in the table of x", e.getMessage());
    }

    @Test
    void aParameterIsDeclaredOnce() {
        assertEquals("parameter 'wait' declared twice", assertThrows(IllegalArgumentException.class,
                () -> UriParameters.of("x", WAIT, UriParameter.text("wait", null, "again"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> UriParameter.text(" ", null, "blank name"));
        assertThrows(NullPointerException.class, () -> UriParameter.text("t", null, null));
    }

    @Test
    void secretsAreRedacted() {
        assertEquals("x://h:1/p?token=****&dc=dc1&password=****&other=v",
                TABLE.redact(NamingUri.parse("x://h:1/p?token=s3cret&dc=dc1&password=pw&other=v")));
        assertEquals("x:?dc=a", TABLE.redact(NamingUri.parse("x:?dc=a")));
    }

    @Test
    void eachParameterKnowsWhatTheReadmeShows() {
        assertEquals("wait", WAIT.name());
        assertEquals("duration", WAIT.type());
        assertEquals(Duration.ofSeconds(55), WAIT.defaultValue());
        assertEquals("X_SSL", TLS.envVariable());
        assertNull(WAIT.envVariable());
        assertTrue(TOKEN.isSecret());
        assertFalse(TLS.isSecret());
        assertTrue(DC.defaultInWords());
        assertFalse(WAIT.defaultInWords());
        assertEquals("boolean", TLS.type());
        assertEquals("text", DC.type());
        assertEquals("hold", WAIT.description());
        assertEquals("wait", WAIT.toString());
        assertSame(WAIT, TABLE.all().get(0));
        assertEquals("x parameters [wait, tls, token, dc, grace]", TABLE.toString());
    }

    @Test
    void durationsAreShownAsTheyWouldBeWritten() {
        assertEquals("0", UriParameter.duration("d", Duration.ZERO, "z").defaultText());
        assertEquals("500ms", UriParameter.duration("d", Duration.ofMillis(500), "z").defaultText());
        assertEquals("1500ms", UriParameter.duration("d", Duration.ofMillis(1500), "z").defaultText());
        assertEquals("55s", UriParameter.duration("d", Duration.ofSeconds(55), "z").defaultText());
        assertEquals("60s", UriParameter.duration("d", Duration.ofMinutes(1), "z").defaultText());
        assertEquals("2m", UriParameter.duration("d", Duration.ofMinutes(2), "z").defaultText());
        assertEquals("150s", UriParameter.duration("d", Duration.ofSeconds(150), "z").defaultText());
        assertEquals("", UriParameter.duration("d", null, "z").defaultText());
        assertEquals("", UriParameter.text("t", null, "z").defaultText());
        assertEquals("false", UriParameter.bool("b", false, "z").defaultText());
    }

    @Test
    void sizesAreReadInBytesOrBinaryUnits() {
        UriParameter<Long> size = UriParameter.byteSize("size", null, "z");
        UriParameters table = UriParameters.of("x", size);
        java.util.function.Function<String, Long> read = v -> table.read(NamingUri.parse("x://h?size=" + v),
                name -> null).get(size);
        assertEquals(1_048_576L, read.apply("1048576"));
        assertEquals(512L * 1024, read.apply("512KiB"));
        assertEquals(32L * 1024 * 1024, read.apply("32MiB"));
        assertEquals(32L * 1024 * 1024, read.apply("32mib"));
        assertEquals(2L * 1024 * 1024 * 1024, read.apply("2GiB"));
        assertEquals(0L, read.apply("0"));
        for (String bad : List.of("32MB", "1.5MiB", "-1", "MiB", "99999999999999999999", "9999999999GiB")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read.apply(bad), bad);
            assertEquals("size must be a size such as 32MiB, 512KiB or 1048576 (bytes), was '" + bad + "'",
                    e.getMessage());
        }
    }

    @Test
    void sizesAreShownInTheLargestUnitThatDividesThem() {
        assertEquals("32MiB", UriParameter.byteSize("s", 32L << 20, "z").defaultText());
        assertEquals("512KiB", UriParameter.byteSize("s", 512L << 10, "z").defaultText());
        assertEquals("1GiB", UriParameter.byteSize("s", 1L << 30, "z").defaultText());
        assertEquals("1536KiB", UriParameter.byteSize("s", 1536L << 10, "z").defaultText());
        assertEquals("1000", UriParameter.byteSize("s", 1000L, "z").defaultText());
        assertEquals("0", UriParameter.byteSize("s", 0L, "z").defaultText());
        assertEquals("", UriParameter.byteSize("s", null, "z").defaultText());
        assertEquals("size", UriParameter.byteSize("s", null, "z").type());
    }

    @Test
    void maxReplyIsOneNameAndOneDefaultForEveryBackendAndRefusesZero() {
        UriParameter<Long> max = UriParameter.maxReply();
        assertEquals("maxReply", max.name());
        assertEquals(32L << 20, max.defaultValue());
        assertEquals(UriParameter.DEFAULT_MAX_REPLY, max.defaultValue());
        assertEquals("32MiB", max.defaultText());
        UriParameters table = UriParameters.of("x", max);
        assertEquals(1024L, table.read(NamingUri.parse("x://h?maxReply=1KiB"), name -> null).get(max));
        assertEquals(32L << 20, table.read(NamingUri.parse("x://h"), name -> null).get(max));
        assertEquals("maxReply must be at least 1 byte, was '0'", assertThrows(IllegalArgumentException.class,
                () -> table.read(NamingUri.parse("x://h?maxReply=0"), name -> null)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> table.read(NamingUri.parse("x://h?maxReply=lots"), name -> null)).getMessage()
                .startsWith("maxReply must be a size"));
    }

    @Test
    void theReadmeTableFollowsTheDeclarations() {
        assertEquals("""
                | parameter | default | environment | what it does |
                | --- | --- | --- | --- |
                | `wait` | `55s` |  | hold |
                | `tls` | `false` | `X_SSL` | https |
                | `token` | — | `X_TOKEN` | secret: never printed; acl |
                | `dc` | the agent's |  | datacenter |
                | `grace` | `0` |  | after a sign that the registry lost its state, removals are held back this long \
                while owners register again (0: off); why |
                """, TABLE.markdownTable());
    }

    @Test
    void aProviderWithoutParametersDeclaresNone() {
        NamingProvider bare = new NamingProvider() {
            @Override
            public String scheme() {
                return "bare";
            }

            @Override
            public dev.naming.Naming create(NamingUri uri) {
                throw new UnsupportedOperationException();
            }
        };
        assertEquals("bare parameters []", bare.parameters().toString());
        assertEquals(List.of(), bare.parameters().all());
    }
}
