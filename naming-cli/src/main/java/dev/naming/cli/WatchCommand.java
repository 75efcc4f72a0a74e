package dev.naming.cli;

import dev.naming.Naming;
import dev.naming.NamingException;
import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.SubscribeOptions;
import dev.naming.Subscription;
import dev.naming.spi.InputChecks;
import dev.naming.spi.UriParameter;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code naming watch NAME}: prints every list a subscription delivers. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print a service's list now and after every change.",
                "One line per list the subscription delivers, with what changed (joined +id, left -id, "
                        + "updated ~id), or one JSON object per list with --json.",
                "Stops after --count lists, after --timeout, or on Ctrl-C. Fails (exit code 1) when the first "
                        + "list cannot be read within 10s (or --timeout if shorter): the registry is down.",
                "When the registry stops answering, a line says so and how old the list is; another when it "
                        + "answers again."})
final class WatchCommand implements Callable<Integer> {

    /**
     * How long the first list may take: a registry holds back only reads that wait for a change,
     * never a watch's first read, so silence this long means it is down or not answering.
     */
    static final Duration FIRST_LIST_TIMEOUT = Duration.ofSeconds(10);
    /** How often the registry's reachability is looked at between lists. */
    private static final Duration FRESHNESS_TICK = Duration.ofMillis(250);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    @Spec
    CommandSpec spec;

    @Mixin
    RegistryOption registry;

    @Parameters(index = "0", paramLabel = "NAME", description = "Service name, e.g. chat.logic.")
    String name;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG", description = "Only instances with this tag (repeatable: all must match).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--warmup", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Hold newly seen instances back this long, e.g. 2s (default: none).")
    Duration warmup = Duration.ZERO;

    @Option(names = {"-n", "--count"}, paramLabel = "N", description = "Stop after N lists.")
    Integer count;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop after this long, e.g. 30s (default: run until interrupted).")
    Duration timeout;

    @Option(names = "--json", description = "Print one JSON object per list: {time, service, instances}.")
    boolean json;

    @Override
    public Integer call() {
        InputChecks.serviceName(name);
        SubscribeOptions options = SubscribeOptions.defaults().withTags(tags).withWarmup(warmup);
        if (count != null && count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        if (timeout != null && timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was 0");
        }
        NamingUri where = registry.resolve();
        Duration firstListTimeout = timeout != null && timeout.compareTo(FIRST_LIST_TIMEOUT) < 0 ? timeout
                : FIRST_LIST_TIMEOUT;
        PrintWriter out = spec.commandLine().getOut();
        BlockingQueue<List<ServiceInstance>> lists = new LinkedBlockingQueue<>();
        Naming naming = registry.connect();
        ShutdownHook hook = ShutdownHook.install("naming-cli-watch", naming::close);
        int delivered = 0;
        boolean interrupted = false;
        boolean warnedFiltered = false;
        try {
            Subscription subscription = naming.subscribe(name, options, lists::add);
            try {
                // printed on this thread, not the dispatcher's, so that output and exit stay in order
                long start = System.nanoTime();
                long end = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
                long firstListBy = start + firstListTimeout.toNanos();
                List<ServiceInstance> previous = null;
                boolean reachable = true;
                while (count == null || delivered < count) {
                    long left = (delivered == 0 ? Math.min(end, firstListBy) : end) - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    List<ServiceInstance> list = lists.poll(Math.min(left, FRESHNESS_TICK.toNanos()),
                            TimeUnit.NANOSECONDS);
                    if (delivered > 0 && subscription.registryReachable() != reachable) {
                        reachable = !reachable;
                        out.println(freshness(subscription, reachable));
                        out.flush();
                    }
                    if (list == null) {
                        continue;
                    }
                    delivered++;
                    boolean filtered = naming.resultsFiltered(name);
                    out.println(json ? Json.watchEvent(Instant.now().toString(), name, list, filtered)
                            : line(previous, list, filtered));
                    out.flush();
                    if (filtered && !warnedFiltered) {
                        warnedFiltered = true;
                        PrintWriter err = spec.commandLine().getErr();
                        err.println(FindCommand.filteredWarning(name));
                        err.flush();
                    }
                    previous = list;
                }
            } finally {
                subscription.close();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            Thread.currentThread().interrupt();
        } finally {
            hook.remove();
            naming.close();
        }
        if (delivered == 0 && !interrupted) {
            throw new NamingException("could not read the list of '" + name + "' from " + where + " within "
                    + UriParameter.formatDuration(firstListTimeout) + ": the registry is unreachable or does not answer");
        }
        return NamingCli.OK;
    }

    /** A line when the registry stops or starts answering: how old the list being shown is. */
    private String freshness(Subscription subscription, boolean reachable) {
        Instant confirmed = subscription.lastConfirmed().orElse(null);
        if (json) {
            return Json.freshnessEvent(Instant.now().toString(), name, reachable,
                    confirmed == null ? null : confirmed.toString());
        }
        String age = confirmed == null ? "never confirmed"
                : "last confirmed " + UriParameter.formatDuration(Duration.ofMillis(
                        Duration.between(confirmed, Instant.now()).toMillis())) + " ago";
        return LocalTime.now(ZoneId.systemDefault()).format(CLOCK) + "  " + name + "  "
                + (reachable ? "registry answers again" : "registry unreachable: keeping the list, " + age);
    }

    private String line(List<ServiceInstance> previous, List<ServiceInstance> list, boolean filtered) {
        String change = previous == null ? "first list" : ListChange.between(previous, list).summary();
        return LocalTime.now(ZoneId.systemDefault()).format(CLOCK) + "  " + name + "  "
                + list.size() + (list.size() == 1 ? " instance" : " instances")
                + (filtered ? " readable, others filtered out by the registry's access control" : "")
                + " (" + change + "): " + InstanceTable.inline(list);
    }
}
