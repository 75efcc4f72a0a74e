package dev.naming.cli;

import dev.naming.HealthCheck;
import dev.naming.Naming;
import dev.naming.RegistrationPendingException;
import dev.naming.ServiceRegistration;
import dev.naming.spi.UriParameter;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code naming register …}: registers an instance and keeps it alive while the command runs. */
@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Register an instance and keep it alive until stopped.",
                "Heartbeats (TTL check) or renewals keep it visible until Ctrl-C / SIGTERM or the end of "
                        + "--for; it is deregistered on the way out. A registry that cannot be reached at start "
                        + "delays the registration: it is made as soon as the registry answers."})
final class RegisterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOption registry;

    @Option(names = "--id", required = true, description = "Unique instance id, e.g. logic-1.")
    String id;

    @Option(names = "--name", required = true, description = "Service name, e.g. chat.logic.")
    String name;

    @Option(names = "--address", required = true, description = "Host name or IP that clients connect to.")
    String address;

    @Option(names = "--port", required = true, description = "Port, 1-65535.")
    int port;

    @Option(names = "--protocol", description = "How to speak to it: http, ws, tcp … (default: ${DEFAULT-VALUE}).")
    String protocol = ServiceRegistration.DEFAULT_PROTOCOL;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG", description = "A tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "A metadata entry (repeatable).")
    List<String> meta = new ArrayList<>();

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "TTL of the health check, at least 1s (default: 15s; heartbeats every TTL/3).")
    Duration ttl = HealthCheck.DEFAULT_TTL;

    @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stay registered this long, then deregister and exit (default: until interrupted).")
    Duration stay;

    @Option(names = "--drain", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "On the way out, first take the instance out of traffic for this long, so clients "
                    + "move away before it is deregistered (default: 0, deregister at once).")
    Duration drain = Duration.ZERO;

    @Override
    public Integer call() {
        if (meta.stream().anyMatch(entry -> entry.startsWith("protocol="))) {
            throw new IllegalArgumentException("--meta protocol=…: the protocol has an option of its own, --protocol");
        }
        // built before connecting: bad input is reported before any request
        ServiceRegistration registration = ServiceRegistration.builder()
                .id(id).name(name).address(address).port(port).protocol(protocol)
                .tags(tags).meta(meta(meta)).check(HealthCheck.ttl(ttl)).build();
        if (stay != null && stay.isZero()) {
            throw new IllegalArgumentException("for must be positive, was 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        String where = registry.resolve().toString();
        Naming naming = registry.connect();
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownHook hook;
        boolean pending = false;
        try {
            try {
                naming.register(registration);
            } catch (RegistrationPendingException e) {
                // the library registers it once the registry answers: the command keeps it until stopped
                pending = true;
            }
            // on Ctrl-C / SIGTERM the JVM runs this and halts: it must deregister and say so itself
            hook = ShutdownHook.install("naming-cli-deregister", () -> {
                leave(naming, out);
                out.flush();
                stopped.countDown();
            });
        } catch (RuntimeException e) {
            naming.close();
            throw e;
        }
        out.println((pending ? "pending " : "registered ") + id + " (" + name + ") " + registration.instance().endpoint()
                + " tags=" + InstanceTable.tags(registration.tags()) + " meta=" + InstanceTable.meta(registration.meta())
                + " in " + where + "; " + (pending ? "the registry could not be reached: registered as soon as it answers; "
                : "") + (stay == null ? "Ctrl-C to deregister" : "deregistering in " + UriParameter.formatDuration(stay)));
        out.flush();
        boolean byHook;
        try {
            byHook = stay == null ? await(stopped) : stopped.await(stay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            byHook = false;
        }
        if (!byHook) {
            hook.remove();
            leave(naming, out);
        }
        return NamingCli.OK;
    }

    private void leave(Naming naming, PrintWriter out) {
        if (!drain.isZero()) {
            out.println("draining " + id + " for " + UriParameter.formatDuration(drain));
            out.flush();
        }
        naming.close(drain);
        out.println("deregistered " + id);
        out.flush();
    }

    /** {@code key=value} entries as a map; a later entry of a key wins. */
    private static Map<String, String> meta(List<String> entries) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--meta must be key=value, was '" + entry + "'");
            }
            meta.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return meta;
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        latch.await();
        return true;
    }
}
