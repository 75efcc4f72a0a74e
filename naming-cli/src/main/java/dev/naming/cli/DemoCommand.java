package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.ServiceRegistration;
import dev.naming.SubscribeOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code naming demo}: a chat gateway and three logic servers on the in-memory registry, each
 * with its own {@link Naming} as if it were its own process. Everything printed about the gateway
 * is what its subscriptions really delivered; the lines about the servers narrate what the demo
 * does to them.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show a gateway discovering logic servers (in-memory, no setup).",
                "Three logic servers join, warm up, update and leave while a gateway watches with a warm-up, "
                        + "finds by tag and routes users by consistent hash. Needs no registry; takes about 6 seconds."})
final class DemoCommand implements Callable<Integer> {

    static final String REGISTRY = "inmemory://demo";
    static final String SERVICE = "chat.logic";
    static final Duration WARMUP = Duration.ofSeconds(2);
    /** Longest wait for any one thing the demo expects the gateway to see. */
    private static final Duration PATIENCE = WARMUP.plusSeconds(3);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        header(out);
        DemoClock clock = new DemoClock(out);
        List<Naming> servers = new ArrayList<>();
        try (Naming gateway = Naming.connect(REGISTRY)) {
            GatewayView view = new GatewayView(clock, WARMUP);

            clock.say("gateway", "subscribes to " + SERVICE + " with a " + seconds(WARMUP) + " warm-up");
            gateway.subscribe(SERVICE, view::registryList);
            gateway.subscribe(SERVICE, SubscribeOptions.defaults().withWarmup(WARMUP), view::gatewayList);
            view.awaitGateway(list -> true, PATIENCE, "its first list");

            ServiceRegistration logic1 = logic("logic-1", 11, "gate", "zone-a");
            ServiceRegistration logic2 = logic("logic-2", 12, "gate", "zone-b");
            ServiceRegistration logic3 = logic("logic-3", 13, "zone-a");
            Naming server1 = start(servers, clock, logic1);
            Naming server2 = start(servers, clock, logic2);
            view.awaitRegistry(ids -> ids.contains("logic-1") && ids.contains("logic-2"), PATIENCE, "logic-1 and logic-2");

            Thread.sleep(1000); // pacing only: a second later, so that the warm-ups visibly overlap
            start(servers, clock, logic3);
            view.awaitGateway(list -> ids(list).containsAll(List.of("logic-1", "logic-2", "logic-3")), PATIENCE,
                    "all three servers as adults");

            pause();
            clock.say("logic-1", "registers again with weight=20 (same id: an update, no warm-up)");
            server1.register(logic1.toBuilder().meta("weight", "20").build());
            view.awaitGateway(list -> list.stream().anyMatch(i -> "20".equals(i.meta().get("weight"))), PATIENCE,
                    "logic-1's new weight");

            pause();
            String gates = find(clock, gateway, "gate");
            String zoneA = find(clock, gateway, "zone-a");

            pause();
            clock.say("logic-2", "shuts down: its Naming is closed, which deregisters it");
            long closing = System.nanoTime();
            server2.close();
            servers.remove(server2);
            long departed = view.awaitGateway(list -> !ids(list).contains("logic-2"), PATIENCE, "logic-2 leave");
            pause();
            String gatesAfter = find(clock, gateway, "gate");

            summary(out, view, (departed - closing) / 1_000_000.0, gates, zoneA, gatesAfter);
        } finally {
            servers.forEach(Naming::close);
        }
        return NamingCli.OK;
    }

    /** Pacing only, so that a reader can follow the phases; every wait for an outcome is an await. */
    private static void pause() throws InterruptedException {
        Thread.sleep(500);
    }

    private static void header(PrintWriter out) {
        out.println("naming demo: a chat gateway discovers its logic servers (registry " + REGISTRY + ")");
        out.println();
        out.println("  Three logic servers register as '" + SERVICE + "', each with its own Naming, as separate");
        out.println("  processes would. The gateway subscribes with a " + seconds(WARMUP)
                + " warm-up: a server that appears is held");
        out.println("  back (warming) before the gateway routes to it (adult); a server that leaves is dropped at once.");
        out.println("  It routes " + String.format("%,d", UserRouting.USERS) + " users by consistent hash (naming-balance): "
                + "a user stays on one server,");
        out.println("  and when a server joins or leaves the gateway says how many users moved, and where.");
        out.println("  'registry' lines come from a plain subscription showing what the registry holds;");
        out.println("  'gateway' lines are the lists its warm-up subscription delivered. Times are since start.");
        out.println();
        out.flush();
    }

    private static ServiceRegistration logic(String id, int host, String... tags) {
        return ServiceRegistration.builder().id(id).name(SERVICE).address("10.0.0." + host).port(8000)
                .protocol("ws").tags(tags).meta("weight", "10").build();
    }

    private static Naming start(List<Naming> servers, DemoClock clock, ServiceRegistration registration) {
        clock.say(registration.id(), "starts and registers " + registration.instance().endpoint()
                + " tags " + String.join(",", registration.tags()));
        Naming server = Naming.connect(REGISTRY);
        servers.add(server);
        server.register(registration);
        return server;
    }

    private static String find(DemoClock clock, Naming gateway, String tag) {
        String found = gateway.find(SERVICE, tag).stream().map(ServiceInstance::id).collect(Collectors.joining(" "));
        clock.say("gateway", "find(" + SERVICE + ", tag " + tag + ") -> " + (found.isEmpty() ? "(none)" : found));
        return found;
    }

    private static void summary(PrintWriter out, GatewayView view, double departureMillis,
                                String gates, String zoneA, String gatesAfter) {
        out.println();
        out.println("Summary");
        out.println("  - the gateway received " + view.gatewayLists() + " lists; each server reached it only after "
                + "warming up (" + view.warmups() + ")");
        out.println("  - logic-1's update arrived as a new list at once: updates do not warm up again");
        out.println(String.format("  - logic-2's departure reached the gateway %.1f ms after its Naming closed",
                departureMillis));
        out.println("  - find by tag answered from the gateway's watch: gate -> " + gates + "; zone-a -> " + zoneA
                + "; gate after logic-2 left -> " + gatesAfter);
        out.println("  - users routed by consistent hash; at each change after the first routing:");
        for (String movement : view.userMovements()) {
            out.println("      " + movement);
        }
        out.println();
        out.println("Next: the same against a real registry, e.g. (naming = java -jar naming-cli/target/naming.jar)");
        out.println("  naming register --registry consul://127.0.0.1:8500 --id logic-1 --name chat.logic "
                + "--address 10.0.0.11 --port 8000 --protocol ws --tag gate");
        out.println("  naming watch chat.logic --registry consul://127.0.0.1:8500 --warmup 2s");
        out.flush();
    }

    static List<String> ids(List<ServiceInstance> list) {
        return list.stream().map(ServiceInstance::id).toList();
    }

    static String seconds(Duration d) {
        return String.format("%.1fs", d.toMillis() / 1000.0).replace(".0s", "s");
    }

    /** Raised when the gateway does not see what the demo expects in time: the registry is broken. */
    static NamingException tooLate(String what, Duration patience) {
        return new NamingException("demo: the gateway did not see " + what + " within " + seconds(patience));
    }
}
