package dev.naming.balance;

import java.time.Duration;

/**
 * When a balancer takes an instance out of its picks because calls to it fail, after Envoy's
 * outlier detection ({@code consecutive_5xx}, {@code base_ejection_time}, {@code max_ejection_time},
 * {@code max_ejection_percent}).
 *
 * <p>The caller reports outcomes ({@link Balancer#failed}, {@link Balancer#succeeded}, or by ending a
 * {@link Lease}). After {@code consecutiveFailures} failures in a row an instance is ejected for
 * {@code baseEjectionTime × n}, where {@code n} counts its ejections (less one for every
 * {@code baseEjectionTime} it has since spent back without one, as Envoy lets the multiplier decay),
 * and never longer than {@code maxEjectionTime}. It comes back by itself when that time is up: no
 * thread is involved, the first pick after it rebuilds the balancer's view. At no moment are more than
 * {@code maxEjectedShare} of the listed instances ejected (rounded down): with the default 0.5, one
 * of two or three instances, never the last one.
 *
 * <p>Envoy ejects at most 10 % by default but always at least one host; this kit never goes above
 * the share, so that the bound holds, and defaults to half: the services an IM gateway calls often
 * run a handful of instances, where 10 % would eject none.
 *
 * @param consecutiveFailures failures in a row that eject an instance (at least 1)
 * @param baseEjectionTime    how long a first ejection lasts (positive)
 * @param maxEjectionTime     the longest ejection (at least {@code baseEjectionTime})
 * @param maxEjectedShare     the largest share of the listed instances out at once, in [0, 1); 0 ejects nothing
 */
public record OutlierEjection(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
                              double maxEjectedShare) {

    private static final OutlierEjection DEFAULTS =
            new OutlierEjection(5, Duration.ofSeconds(30), Duration.ofSeconds(300), 0.5);

    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException naming the first invalid part
     */
    public OutlierEjection {
        if (consecutiveFailures < 1) {
            throw new IllegalArgumentException("consecutiveFailures must be at least 1, was " + consecutiveFailures);
        }
        BalancerOptions.positive("baseEjectionTime", baseEjectionTime);
        BalancerOptions.positive("maxEjectionTime", maxEjectionTime);
        if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
            throw new IllegalArgumentException("maxEjectionTime must be at least baseEjectionTime ("
                    + baseEjectionTime + "), was " + maxEjectionTime);
        }
        if (!(maxEjectedShare >= 0 && maxEjectedShare < 1)) {
            throw new IllegalArgumentException("maxEjectedShare must be within [0, 1), was " + maxEjectedShare);
        }
    }

    /** Five failures in a row, 30 s growing by 30 s per ejection up to 300 s, at most half the instances out. */
    public static OutlierEjection defaults() {
        return DEFAULTS;
    }

    /** Ejects nothing: reported outcomes are ignored. */
    public static OutlierEjection off() {
        return DEFAULTS.withMaxEjectedShare(0);
    }

    /** A copy that ejects after {@code count} failures in a row. */
    public OutlierEjection withConsecutiveFailures(int count) {
        return new OutlierEjection(count, baseEjectionTime, maxEjectionTime, maxEjectedShare);
    }

    /** A copy whose ejections last {@code base} times the ejection count, at most {@code max}. */
    public OutlierEjection withEjectionTime(Duration base, Duration max) {
        return new OutlierEjection(consecutiveFailures, base, max, maxEjectedShare);
    }

    /** A copy that keeps at most {@code share} of the listed instances out at once. */
    public OutlierEjection withMaxEjectedShare(double share) {
        return new OutlierEjection(consecutiveFailures, baseEjectionTime, maxEjectionTime, share);
    }

    /** Whether anything can be ejected. */
    boolean enabled() {
        return maxEjectedShare > 0;
    }

    /** How many of {@code listed} instances may be out at once. */
    int maxEjected(int listed) {
        // the epsilon keeps 0.29 × 100 at 29 where binary floating point gives 28.999…
        return (int) Math.floor(maxEjectedShare * listed + 1e-9);
    }
}
