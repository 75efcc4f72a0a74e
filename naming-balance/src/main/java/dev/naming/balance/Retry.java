package dev.naming.balance;

import dev.naming.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Calls through a balancer up to {@code maxAttempts} times within {@code timeout}, each attempt on an
 * instance not tried before, as go-kit's {@code lb.Retry(max, timeout, balancer)} does.
 *
 * <pre>{@code
 * Retry retry = Retry.of(3, Duration.ofSeconds(2));
 * Ack ack = retry.call(comets, (instance, timeLeft) -> push(instance, message, timeLeft));
 * Reply r = retry.call(logic, userId, (instance, timeLeft) -> send(instance, message, timeLeft));
 * }</pre>
 *
 * <p>Each attempt gets the time left until the deadline, to give its own call as a timeout: the
 * retry does not interrupt a call, it makes no new attempt once the deadline has passed. An attempt
 * that throws an exception {@link #retryOn} accepts (by default every one) counts as a failed call of
 * its instance, towards its ejection, and the next attempt goes to another instance: the balancer's
 * own choice while it finds one not tried, else the first available not tried; by consistent hashing
 * the key's runner-up, where its keys would go if the tried instances left. An attempt that returns
 * counts as a success, as does one that throws an exception {@link #retryOn} refuses (the instance
 * answered): that exception ends the retry, thrown as it is if unchecked, as the cause of a
 * {@link RetryException} if checked. The retry gives up with a {@link RetryException} after the last
 * attempt, at the deadline, or when no instance is left that was not tried; with no instance at all
 * before the first attempt, the balancer's {@link NoInstanceException} is thrown. Attempts follow
 * each other at once, as go-kit's.
 *
 * @param maxAttempts how many attempts at most (at least 1)
 * @param timeout     the time from the call to the last attempt's start (positive)
 * @param retryOn     which failures an attempt on another instance may mend
 */
public record Retry(int maxAttempts, Duration timeout, Predicate<? super Exception> retryOn) {

    /**
     * Checks the parts.
     *
     * @throws IllegalArgumentException naming the first invalid part
     */
    public Retry {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        BalancerOptions.positive("timeout", timeout);
        if (retryOn == null) {
            throw new IllegalArgumentException("retryOn must not be null");
        }
    }

    /** Up to {@code maxAttempts} attempts within {@code timeout}, after any exception. */
    public static Retry of(int maxAttempts, Duration timeout) {
        return new Retry(maxAttempts, timeout, e -> true);
    }

    /** A copy that tries again only after exceptions {@code retryOn} accepts. */
    public Retry withRetryOn(Predicate<? super Exception> retryOn) {
        return new Retry(maxAttempts, timeout, retryOn);
    }

    /** One attempt: a call to {@code instance}, which should give up after {@code timeLeft}. */
    @FunctionalInterface
    public interface Attempt<T> {

        /** Calls {@code instance}; an exception is a failed attempt. */
        T call(ServiceInstance instance, Duration timeLeft) throws Exception;
    }

    /**
     * Calls through a round-robin, random or least-request balancer.
     *
     * @throws IllegalArgumentException if {@code balancer} is a {@link HashBalancer} (it needs a key) or null
     * @throws RetryException if no attempt succeeded
     * @throws NoInstanceException if the balancer had no instance for the first attempt
     */
    public <T> T call(Balancer balancer, Attempt<T> attempt) {
        if (balancer instanceof HashBalancer) {
            throw new IllegalArgumentException("balancer picks by key: call(balancer, key, attempt)");
        }
        return run(balancer, 0, attempt);
    }

    /**
     * Calls the instance of {@code key}, then its runners-up.
     *
     * @throws IllegalArgumentException if an argument is null
     * @throws RetryException if no attempt succeeded
     * @throws NoInstanceException if the balancer had no instance for the first attempt
     */
    public <T> T call(HashBalancer balancer, String key, Attempt<T> attempt) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        return run(balancer, key.hashCode(), attempt);
    }

    /** As {@link #call(HashBalancer, String, Attempt)}, for a numeric key. */
    public <T> T call(HashBalancer balancer, long key, Attempt<T> attempt) {
        return run(balancer, key, attempt);
    }

    private <T> T run(Balancer balancer, long keyHash, Attempt<T> attempt) {
        if (balancer == null) {
            throw new IllegalArgumentException("balancer must not be null");
        }
        if (attempt == null) {
            throw new IllegalArgumentException("attempt must not be null");
        }
        LongSupplier clock = balancer.options().nanoClock();
        long deadline = clock.getAsLong() + timeout.toNanos();
        Set<String> tried = new LinkedHashSet<>();
        List<Exception> failures = new ArrayList<>();
        while (tried.size() < maxAttempts) {
            long left = deadline - clock.getAsLong();
            if (left <= 0) {
                throw gaveUp("the deadline (" + timeout + ") passed", tried, failures);
            }
            Lease lease;
            try {
                lease = balancer.retryLease(keyHash, tried);
            } catch (NoInstanceException e) {
                if (tried.isEmpty()) {
                    throw e;
                }
                failures.add(e);
                throw gaveUp("no instance left", tried, failures);
            }
            if (lease == null) {
                throw gaveUp("every available instance was tried", tried, failures);
            }
            tried.add(lease.instance().id());
            T result;
            try {
                result = attempt.call(lease.instance(), Duration.ofNanos(left));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (e instanceof InterruptedException || !retryOn.test(e)) {
                    lease.close();
                    if (e instanceof RuntimeException unchecked) {
                        throw unchecked;
                    }
                    throw new RetryException("attempt " + tried.size() + " on '" + lease.instance().id()
                            + "' failed with an exception that is not retried", tried.size(), e);
                }
                lease.failed();
                failures.add(e);
                continue;
            } catch (Error e) {
                lease.close();
                throw e;
            }
            lease.close();
            return result;
        }
        throw gaveUp("all " + maxAttempts + " attempts failed", tried, failures);
    }

    private static RetryException gaveUp(String why, Set<String> tried, List<Exception> failures) {
        Exception last = failures.isEmpty() ? null : failures.get(failures.size() - 1);
        RetryException e = new RetryException("gave up after " + tried.size() + " attempt(s) on " + tried + ": " + why,
                tried.size(), last);
        if (last != null) {
            for (Exception earlier : failures.subList(0, failures.size() - 1)) {
                last.addSuppressed(earlier);
            }
        }
        return e;
    }
}
