package dev.naming.consul;

import dev.naming.spi.Backoff;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch of one service: a daemon thread named {@code naming-consul-watch-<service>} running
 * blocking queries on {@code /v1/health/service/:name?passing} and reporting each answer to the
 * shared hub, which drops repeats and keeps the last list through failures.
 *
 * <p>Consul's rules for blocking clients: the first read (and the first after a reset) does not
 * block; each next one sends the last {@code X-Consul-Index}; an index lower than the last resets
 * to 0 (a fresh, non-blocking read); an index below 1 is replaced by 1, so the watch never blocks
 * on 0 and never spins; queries are paced by {@link QueryPacer}. Errors (network, timeouts, 429,
 * 5xx, unreadable replies) keep the last list, back off with jitter and move to the next agent.
 *
 * <p>{@link #close()} cancels the request in flight and wakes the thread, so it returns at once
 * even while a query is blocked (see {@link ConsulBlockingQueries} for why this is not consul-client).
 */
final class ConsulWatch implements ServiceWatch {

    private static final Logger LOG = LoggerFactory.getLogger(ConsulWatch.class);

    private final String service;
    private final WatchSink sink;
    private final ConsulBlockingQueries queries;
    private final ConsulConfig config;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile CompletableFuture<?> inflight;
    private volatile Thread thread;
    private int agent;

    private ConsulWatch(String service, WatchSink sink, ConsulBlockingQueries queries, ConsulConfig config,
                        int firstAgent) {
        this.service = service;
        this.sink = sink;
        this.queries = queries;
        this.config = config;
        this.agent = firstAgent;
    }

    /** Starts watching {@code service} from {@code firstAgent} on. */
    static ConsulWatch start(String service, WatchSink sink, ConsulBlockingQueries queries, ConsulConfig config,
                             int firstAgent) {
        ConsulWatch watch = new ConsulWatch(service, sink, queries, config, firstAgent);
        watch.thread = NamingThreads.start("naming-consul-watch-" + service, watch::run);
        return watch;
    }

    /**
     * The index to send next, given the last one sent and the one the agent returned: below 1 (an
     * agent bug Consul documents) becomes 1, so the watch blocks instead of spinning; lower than
     * before resets to 0, a fresh non-blocking read.
     */
    static long nextIndex(long sent, long returned) {
        if (returned < 1) {
            return 1;
        }
        if (returned < sent) {
            return 0;
        }
        return returned;
    }

    private void run() {
        QueryPacer pacer = new QueryPacer(config.queryInterval(), config.idleQueryPenaltyMax());
        Backoff backoff = new Backoff(config.backoffInitial(), config.backoffMax());
        long index = 0;
        long halfWait = config.waitTime().toNanos() / 2;
        while (pause(pacer.delayBeforeNext())) {
            long sent = index;
            long started = System.nanoTime();
            ConsulBlockingQueries.Reply reply;
            try {
                reply = queries.read(agent, service, sent, f -> {
                    inflight = f;
                    if (isClosed()) {
                        f.cancel(true);
                    }
                });
            } catch (InterruptedException | CancellationException e) {
                if (isClosed()) {
                    break;
                }
                continue;
            } catch (Exception e) {
                if (isClosed()) {
                    break;
                }
                sink.failure(e);
                index = 0;
                if (queries.agents() > 1) {
                    int next = (agent + 1) % queries.agents();
                    if (backoff.failures() == 0) {
                        LOG.info("watch of '{}': agent {} failed, trying {}", service, queries.describe(agent),
                                queries.describe(next));
                    } else {
                        LOG.debug("watch of '{}': agent {} failed, trying {}", service, queries.describe(agent),
                                queries.describe(next));
                    }
                    agent = next;
                }
                if (!pause(backoff.next())) {
                    break;
                }
                continue;
            } finally {
                inflight = null;
            }
            if (isClosed()) {
                break;
            }
            backoff.reset();
            try {
                sink.snapshot(reply.instances());
            } catch (RuntimeException e) {
                // the hub must not end the watch: log and keep reading
                LOG.warn("watch of '{}': delivering a list failed: {}", service, e.toString());
            }
            index = nextIndex(sent, reply.index());
            if (reply.index() < sent) {
                LOG.debug("watch of '{}': index went back from {} to {}, reading afresh", service, sent, reply.index());
            }
            // back early with nothing new: a broken agent or one that ignores wait; pause longer each time
            boolean idle = sent >= 1 && (reply.index() == sent || reply.index() < 1)
                    && System.nanoTime() - started < halfWait;
            if (idle) {
                pacer.idleReturn();
            } else {
                pacer.progress();
            }
        }
        LOG.debug("watch of '{}' ended", service);
    }

    /** Waits {@code d}; {@code false} when the watch was closed meanwhile. */
    private boolean pause(Duration d) {
        if (isClosed()) {
            return false;
        }
        if (d.isZero() || d.isNegative()) {
            return true;
        }
        try {
            return !closed.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            return !isClosed();
        }
    }

    private boolean isClosed() {
        return closed.getCount() == 0;
    }

    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        closed.countDown();
        CompletableFuture<?> f = inflight;
        if (f != null) {
            f.cancel(true);
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
