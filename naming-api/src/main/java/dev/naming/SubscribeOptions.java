package dev.naming;

import dev.naming.internal.Validation;
import java.time.Duration;
import java.util.List;

/**
 * How a subscription filters and paces its lists: start from {@link #defaults()} and derive
 * copies with the {@code with…} methods.
 *
 * <pre>{@code
 * naming.subscribe("chat.logic",
 *         SubscribeOptions.defaults().withTags("gate").withWarmup(Duration.ofSeconds(2)),
 *         router::update);
 * }</pre>
 *
 * <p>{@link #defaults()} is the only static method: every other method derives from an instance,
 * so that a chain cannot silently start over and drop what came before it.
 *
 * <p><b>Warm-up.</b> With a warm-up of {@code d}, an instance that appears after the subscription's
 * first list is held back from it for {@code d} (a gateway's "young → adult"), while
 * disappearances are delivered at once. Instances already present in the first list are adults:
 * a gateway that restarts must not wait to route to servers that have been up for hours. An
 * instance that leaves and comes back warms up again. Warm-up belongs to the subscription:
 * {@link Naming#find} answers what the registry holds, warming instances included.
 *
 * @param tags   only instances carrying every one of these tags are delivered
 * @param warmup how long a newly seen instance is held back; zero for none
 */
public record SubscribeOptions(List<String> tags, Duration warmup) {

    private static final SubscribeOptions DEFAULTS = new SubscribeOptions(List.of(), Duration.ZERO);

    /**
     * Checks and copies the parts.
     *
     * @throws IllegalArgumentException if a tag is blank or invalid, or the warm-up is negative
     */
    public SubscribeOptions {
        tags = Validation.tags(tags);
        Validation.notNegative("warmup", warmup);
    }

    /** No tag filter, no warm-up: where every other set of options starts. */
    public static SubscribeOptions defaults() {
        return DEFAULTS;
    }

    /** A copy that delivers only instances carrying every one of {@code tags} (replacing any tags set before). */
    public SubscribeOptions withTags(String... tags) {
        return new SubscribeOptions(Validation.tags(tags), warmup);
    }

    /** A copy that delivers only instances carrying every one of {@code tags} (replacing any tags set before). */
    public SubscribeOptions withTags(List<String> tags) {
        return new SubscribeOptions(tags, warmup);
    }

    /** A copy that holds newly seen instances back for {@code warmup}; zero for none. */
    public SubscribeOptions withWarmup(Duration warmup) {
        return new SubscribeOptions(tags, warmup);
    }
}
