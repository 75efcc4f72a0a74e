package dev.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SubscribeOptionsTest {

    /**
     * A static factory named like an instance method compiles when called on an instance
     * ({@code tags("gate").warmup(d)}) and silently starts over: no such pair may exist.
     */
    @Test
    void noStaticMethodSharesItsNameWithAnInstanceMethod() {
        Method[] methods = SubscribeOptions.class.getDeclaredMethods();
        Set<String> instanceNames = Arrays.stream(methods)
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName).collect(Collectors.toSet());
        Set<String> clashes = new TreeSet<>();
        for (Method m : methods) {
            if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())
                    && instanceNames.contains(m.getName())) {
                clashes.add(m.getName());
            }
        }
        assertEquals(Set.of(), clashes);
    }

    @Test
    void aChainKeepsEveryPartSetAlongIt() {
        SubscribeOptions options = SubscribeOptions.defaults().withTags("gate").withWarmup(Duration.ofSeconds(2));
        assertEquals(List.of("gate"), options.tags());
        assertEquals(Duration.ofSeconds(2), options.warmup());
        SubscribeOptions retagged = options.withTags(List.of("zone-a", "gate"));
        assertEquals(List.of("zone-a", "gate"), retagged.tags());
        assertEquals(Duration.ofSeconds(2), retagged.warmup());
        java.util.concurrent.Executor direct = Runnable::run;
        SubscribeOptions direct1 = retagged.withExecutor(direct).withWarmup(Duration.ofSeconds(3)).withTags("gate");
        assertSame(direct, direct1.executor());
        assertEquals(List.of("gate"), direct1.tags());
        assertEquals(Duration.ofSeconds(3), direct1.warmup());
        assertEquals(Duration.ofSeconds(3), direct1.withExecutor(null).warmup());
        assertNull(direct1.withExecutor(null).executor());
    }

    @Test
    void defaultsFilterNothingAndHoldNothingBack() {
        assertEquals(List.of(), SubscribeOptions.defaults().tags());
        assertEquals(Duration.ZERO, SubscribeOptions.defaults().warmup());
        assertNull(SubscribeOptions.defaults().executor(), "the Naming's dispatcher");
    }

    @Test
    void badPartsAreRejectedNamingTheField() {
        IllegalArgumentException tag = assertThrows(IllegalArgumentException.class,
                () -> SubscribeOptions.defaults().withTags("gate", " "));
        assertTrue(tag.getMessage().startsWith("tags"), tag.getMessage());
        IllegalArgumentException warmup = assertThrows(IllegalArgumentException.class,
                () -> SubscribeOptions.defaults().withWarmup(Duration.ofSeconds(-1)));
        assertTrue(warmup.getMessage().startsWith("warmup"), warmup.getMessage());
    }
}
