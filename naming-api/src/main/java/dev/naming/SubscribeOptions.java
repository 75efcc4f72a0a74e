package dev.naming;

import dev.naming.spi.Validation;
import java.time.Duration;
import java.util.List;

/**
 * How a subscription filters and paces its lists.
 *
 * <pre>{@code
 * naming.subscribe("chat.logic", SubscribeOptions.tags("gate").withWarmup(Duration.ofSeconds(2)), router::update);
 * }</pre>
 *
 * <p><b>Warm-up.</b> With a warm-up of {@code d}, an instance that appears after the subscription's
 * first list is held back from it for {@code d} (a gateway's "young → adult"), while
 * disappearances are delivered at once. Instances already present in the first list are adults:
 * a gateway that restarts must not wait to route to servers that have been up for hours. An
 * instance that leaves and comes back warms up again.
 *
 * @param tags   only instances carrying every one of these tags are delivered
 * @param warmup how long a newly seen instance is held back; zero for none
 */
public record SubscribeOptions(List<String> tags, Duration warmup) {

    private static final SubscribeOptions DEFAULTS = new SubscribeOptions(List.of(), Duration.ZERO);

    public SubscribeOptions {
        tags = Validation.tags(tags);
        Validation.notNegative("warmup", warmup);
    }

    /** No tag filter, no warm-up. */
    public static SubscribeOptions defaults() {
        return DEFAULTS;
    }

    /** Only instances carrying every one of {@code tags}. */
    public static SubscribeOptions tags(String... tags) {
        return new SubscribeOptions(Validation.tags(tags), Duration.ZERO);
    }

    /** Newly seen instances held back for {@code warmup}. */
    public static SubscribeOptions warmup(Duration warmup) {
        return new SubscribeOptions(List.of(), warmup);
    }

    /** A copy with these tags. */
    public SubscribeOptions withTags(String... tags) {
        return new SubscribeOptions(Validation.tags(tags), warmup);
    }

    /** A copy with this warm-up. */
    public SubscribeOptions withWarmup(Duration warmup) {
        return new SubscribeOptions(tags, warmup);
    }
}
