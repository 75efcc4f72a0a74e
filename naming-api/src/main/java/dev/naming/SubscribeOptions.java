package dev.naming;

import dev.naming.internal.Validation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

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
 * <p><b>Where the listener runs.</b> By default on the {@code Naming}'s dispatcher pool, so that a
 * listener that blocks delays only its own subscription. {@link #withExecutor} names another
 * executor: the gateway's own event loop, or {@code Runnable::run} to call the listener on the
 * thread that completed the registry's reply, with no hand-off to the dispatcher (what
 * consul-client's caches and grpc-java's {@code directExecutor()} do). Whatever the executor,
 * the calls of one subscription never overlap, keep their order and skip superseded lists.
 *
 * @param tags     only instances carrying every one of these tags are delivered
 * @param warmup   how long a newly seen instance is held back; zero for none
 * @param executor where the listener is called; {@code null} for the {@code Naming}'s dispatcher pool
 */
public record SubscribeOptions(List<String> tags, Duration warmup, Executor executor) {

    private static final SubscribeOptions DEFAULTS = new SubscribeOptions(List.of(), Duration.ZERO, null);

    /**
     * Checks and copies the parts.
     *
     * @throws IllegalArgumentException if a tag is blank or invalid, or the warm-up is negative
     */
    public SubscribeOptions {
        tags = Validation.tags(tags);
        Validation.notNegative("warmup", warmup);
    }

    /** Options whose listener runs on the {@code Naming}'s dispatcher pool. */
    public SubscribeOptions(List<String> tags, Duration warmup) {
        this(tags, warmup, null);
    }

    /** No tag filter, no warm-up: where every other set of options starts. */
    public static SubscribeOptions defaults() {
        return DEFAULTS;
    }

    /** A copy that delivers only instances carrying every one of {@code tags} (replacing any tags set before). */
    public SubscribeOptions withTags(String... tags) {
        return new SubscribeOptions(Validation.tags(tags), warmup, executor);
    }

    /** A copy that delivers only instances carrying every one of {@code tags} (replacing any tags set before). */
    public SubscribeOptions withTags(List<String> tags) {
        return new SubscribeOptions(tags, warmup, executor);
    }

    /** A copy that holds newly seen instances back for {@code warmup}; zero for none. */
    public SubscribeOptions withWarmup(Duration warmup) {
        return new SubscribeOptions(tags, warmup, executor);
    }

    /**
     * A copy whose listener is called on {@code executor}; {@code null} for the {@code Naming}'s
     * own threads (the default: its dispatcher pool, see the class comment).
     *
     * <p>With {@code Runnable::run} the listener runs on the thread that read the registry's reply
     * (or, for a warm-up coming of age or the end of a hold through a registry's state loss, on
     * the {@code Naming}'s one timer thread) and no lock of the library is held while it runs: the
     * fastest path from the registry to the listener, for a listener that returns at once. A
     * listener that blocks there holds a thread that the {@code Naming}'s other watches, warm-ups
     * and holds need too. An executor that rejects a call loses nothing: the
     * list is delivered with the next change (a warning is logged).
     */
    public SubscribeOptions withExecutor(Executor executor) {
        return new SubscribeOptions(tags, warmup, executor);
    }
}
