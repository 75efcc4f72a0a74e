package dev.naming.balance;

import dev.naming.spi.InputChecks;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * What a balancer adds to its policy: start from {@link #defaults()} and derive copies with the
 * {@code with…} methods.
 *
 * <pre>{@code
 * BalancerOptions options = BalancerOptions.defaults()
 *         .withZone("sh001")                              // prefer logic servers in this gateway's zone
 *         .withSlowStart(Duration.ofSeconds(30))          // a new server's weight ramps up over 30 s
 *         .withOutlierEjection(OutlierEjection.defaults().withConsecutiveFailures(3));
 * }</pre>
 *
 * <p><b>Zone preference</b> ({@link #withZone}), after Envoy's zone-aware routing and its
 * over-provisioning factor of 1.4. An instance's zone is its meta value {@code zone} (as
 * {@code naming-grpc}'s {@code NamingAttributes.ZONE} reads it; register it with
 * {@code .meta("zone", "sh001")}); instances without one belong to no zone. Of the listed instances
 * in the caller's zone, those not {@linkplain OutlierEjection ejected} are the healthy ones. The
 * caller's zone takes {@code min(1, 1.4 × healthy / listed)} of the picks: all of them while at least
 * 1/1.4 ≈ 71.4 % of its instances are healthy; below that, its share falls with its health and the
 * rest spills over to the healthy instances of every other zone, by weight. With no healthy instance
 * in the zone every pick spills; with no instance elsewhere every pick stays. The registry has already
 * removed instances that fail their health checks, so a zone that lost instances in the registry
 * keeps its traffic on the ones left: size each zone for its callers.
 *
 * <p><b>Slow start</b> ({@link #withSlowStart}), after Envoy's slow start mode: an instance that
 * appears after the first list, or comes back from an ejection, starts at 10 % of its weight and
 * ramps linearly to its full weight over the window, in twenty steps. Instances of the first list
 * are at full weight, as they are adults for a subscription's warm-up. Warm-up and slow start compose:
 * the warm-up hides an instance from the subscription entirely, the ramp starts when the balancer
 * first sees it.
 *
 * @param zone            the caller's zone, or {@code null} for no preference
 * @param slowStart       the slow-start window; zero for none
 * @param outlierEjection when to eject failing instances ({@link OutlierEjection#off()} for never)
 * @param random          the source of random picks, or {@code null} for {@code ThreadLocalRandom}
 * @param nanoClock       the clock that times ejections and slow start, in nanoseconds as {@link System#nanoTime()}
 */
public record BalancerOptions(String zone, Duration slowStart, OutlierEjection outlierEjection,
                              RandomGenerator random, LongSupplier nanoClock) {

    private static final BalancerOptions DEFAULTS =
            new BalancerOptions(null, Duration.ZERO, OutlierEjection.defaults(), null, System::nanoTime);

    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException naming the first invalid part
     */
    public BalancerOptions {
        if (zone != null) {
            InputChecks.identifier("zone", zone);
        }
        if (slowStart == null || slowStart.isNegative()) {
            throw new IllegalArgumentException("slowStart must be zero or positive, was " + slowStart);
        }
        if (outlierEjection == null) {
            throw new IllegalArgumentException("outlierEjection must not be null (OutlierEjection.off() ejects nothing)");
        }
        if (nanoClock == null) {
            throw new IllegalArgumentException("nanoClock must not be null");
        }
    }

    /**
     * No zone preference, no slow start, {@linkplain OutlierEjection#defaults() default outlier ejection},
     * {@code ThreadLocalRandom} and {@link System#nanoTime()}.
     */
    public static BalancerOptions defaults() {
        return DEFAULTS;
    }

    /** A copy that prefers instances whose meta {@code zone} is {@code zone}; {@code null} for no preference. */
    public BalancerOptions withZone(String zone) {
        return new BalancerOptions(zone, slowStart, outlierEjection, random, nanoClock);
    }

    /** A copy whose new instances ramp up to their weight over {@code window}; zero for none. */
    public BalancerOptions withSlowStart(Duration window) {
        return new BalancerOptions(zone, window, outlierEjection, random, nanoClock);
    }

    /** A copy that ejects failing instances as {@code ejection} says. */
    public BalancerOptions withOutlierEjection(OutlierEjection ejection) {
        return new BalancerOptions(zone, slowStart, ejection, random, nanoClock);
    }

    /**
     * A copy whose random picks come from {@code random}, e.g. a seeded generator in a test;
     * {@code null} for {@code ThreadLocalRandom} (the default: nothing shared between threads). The
     * balancer calls it from every thread that picks, so it must be thread-safe for them; a
     * {@code SplittableRandom} or {@code Random(seed)} is for a test that picks from one thread.
     */
    public BalancerOptions withRandom(RandomGenerator random) {
        return new BalancerOptions(zone, slowStart, outlierEjection, random, nanoClock);
    }

    /**
     * A copy whose ejections and slow start are timed by {@code nanoClock} (nanoseconds, only
     * differences count, as {@link System#nanoTime()}, the default): a test moves time by hand.
     */
    public BalancerOptions withNanoClock(LongSupplier nanoClock) {
        return new BalancerOptions(zone, slowStart, outlierEjection, random, nanoClock);
    }

    static Duration positive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
        return value;
    }
}
