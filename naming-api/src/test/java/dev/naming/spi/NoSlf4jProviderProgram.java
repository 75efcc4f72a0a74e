package dev.naming.spi;

import dev.naming.NamingException;
import dev.naming.Subscription;
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
            Subscription subscription = naming.subscribe("svc", list -> {
                called.countDown();
                throw new IllegalStateException("listener bug");
            });
            WatchSink sink = naming.sinks.get("svc");
            sink.snapshot(List.of(ScriptedNaming.instance("a")));
            if (!called.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the listener was not called within 10 s");
            }
            Subscription other = naming.subscribe("other", list -> { });
            naming.sinks.get("other").snapshot(List.of());
            naming.unreachable = true;
            sink.failure(new NamingException("connection refused"));
            // the Naming's probe finds the registry down and says so: then every watch is unreachable
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (subscription.registryReachable() || other.registryReachable()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the registry was not found down within 10 s");
                }
                Thread.sleep(10);
            }
        } // close() waits for the dispatcher, so the listener's warning is written before exit
    }
}
