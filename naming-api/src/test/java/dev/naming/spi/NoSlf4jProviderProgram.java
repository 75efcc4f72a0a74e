package dev.naming.spi;

import dev.naming.NamingException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link NamingLoggersTest} in a JVM without any SLF4J provider: a listener throws and the
 * registry becomes unreachable, two events the contract promises to log.
 */
final class NoSlf4jProviderProgram {

    private NoSlf4jProviderProgram() {
    }

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch called = new CountDownLatch(1);
        try (ScriptedNaming naming = new ScriptedNaming()) {
            naming.subscribe("svc", list -> {
                called.countDown();
                throw new IllegalStateException("listener bug");
            });
            WatchSink sink = naming.sinks.get("svc");
            sink.snapshot(List.of(ScriptedNaming.instance("a")));
            if (!called.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the listener was not called within 10 s");
            }
            sink.failure(new NamingException("connection refused"));
        } // close() waits for the dispatcher, so the listener's warning is written before exit
    }
}
