package dev.naming.spi;

import dev.naming.OnShutdown;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import java.time.Duration;
import java.util.List;

/**
 * Run by {@link CloseOnShutdownTest} in a JVM of its own, which it lets end (as SIGTERM would):
 * registers one instance, arranges {@code closeOnShutdown(300 ms)} and then, by its argument,
 * leaves it ({@code hook}), cancels it ({@code cancelled}) or closes the {@code Naming} first
 * ({@code closed}). Every registration call is printed as it reaches the "registry", with the time
 * in milliseconds.
 */
final class CloseOnShutdownProgram {

    static final Duration DRAIN = Duration.ofMillis(300);

    private CloseOnShutdownProgram() {
    }

    public static void main(String[] args) {
        PrintingNaming naming = new PrintingNaming();
        naming.register(ServiceRegistration.builder().id("a").name("svc").address("10.0.0.1").port(8000).build());
        OnShutdown onShutdown = naming.closeOnShutdown(DRAIN);
        switch (args[0]) {
            case "hook" -> { }
            case "cancelled" -> onShutdown.cancel();
            case "closed" -> naming.close();
            default -> throw new IllegalArgumentException(args[0]);
        }
        print("exit");
    }

    static synchronized void print(String event) {
        System.out.println(event + " " + System.nanoTime() / 1_000_000);
        System.out.flush();
    }

    /** A registry of nothing that prints every registration call. */
    private static final class PrintingNaming extends AbstractNaming {
        PrintingNaming() {
            super("printing", Duration.ZERO);
        }

        @Override
        protected List<ServiceInstance> fetch(String serviceName, List<String> tags) {
            return List.of();
        }

        @Override
        protected ServiceWatch watch(String serviceName, WatchSink sink) {
            sink.snapshot(List.of());
            return () -> { };
        }

        @Override
        protected Registrar registrar() {
            return new Registrar() {
                @Override
                public void register(ServiceRegistration registration, ServiceRegistration replaced) {
                    print("register " + registration.id());
                }

                @Override
                public Renewal renew(ServiceRegistration registration) {
                    return Renewal.ALIVE;
                }

                @Override
                public void deregister(String serviceId, ServiceRegistration last) {
                    print("deregister " + serviceId);
                }

                @Override
                public Duration renewInterval(ServiceRegistration registration) {
                    return Duration.ofHours(1);
                }

                @Override
                public void drain(String serviceName, String serviceId, boolean drained) {
                    print("drain " + serviceId + " " + drained);
                }
            };
        }

        @Override
        protected void release() {
            print("release");
        }
    }
}
