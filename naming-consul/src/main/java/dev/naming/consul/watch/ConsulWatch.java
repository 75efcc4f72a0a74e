package dev.naming.consul.watch;

import dev.naming.consul.http.ConsulHttp;
import dev.naming.spi.Backoff;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * The watch of one service: blocking queries on {@code /v1/health/service/:name?passing}, each answer
 * reported to the shared hub. No thread is its own: a query is sent, its reply handled and the next
 * one sent (or scheduled) on the threads of the {@code Naming}'s HTTP client.
 *
 * <p>Consul's rules for blocking clients: the first read (and the first after a reset) does not block;
 * each next one sends the last {@code X-Consul-Index}; an index lower than the last resets to 0; one
 * below 1 (an agent bug Consul documents) is replaced by 1, so the watch never blocks on 0 nor spins;
 * queries are paced by {@link QueryPacer}. Errors keep the last list, back off and move to the next
 * agent. Steps never overlap: each starts when the previous ended. {@link #close()} cancels what is
 * under way at once.
 */
public final class ConsulWatch implements ServiceWatch {

    private static final Logger LOG = NamingLoggers.get(ConsulWatch.class);

    private final String service;
    private final WatchSink sink;
    private final HealthReads reads;
    private final QueryPacer pacer;
    private final Backoff backoff;
    private final long halfWaitNanos;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ConsulHttp.Call call, pause;
    /** The pause after a failure (its {@link WatchSink.Retry}), which the registry's return ends early. */
    private volatile ConsulHttp.Call retry;
    // state of the step running now; steps never overlap
    private int agent;
    private long index, sent, sentAt;

    private ConsulWatch(String service, WatchSink sink, HealthReads reads, int firstAgent) {
        WatchSettings settings = reads.settings();
        this.service = service;
        this.sink = sink;
        this.reads = reads;
        this.agent = firstAgent;
        this.pacer = new QueryPacer(settings.queryInterval(), settings.idlePenaltyMax(), System::nanoTime);
        this.backoff = new Backoff(settings.retryMin(), settings.retryMax());
        this.halfWaitNanos = settings.blockingWait().toNanos() / 2;
    }

    /** Starts watching {@code service} from {@code firstAgent} on; the first read is sent at once. */
    public static ConsulWatch start(String service, WatchSink sink, HealthReads reads, int firstAgent) {
        ConsulWatch watch = new ConsulWatch(service, sink, reads, firstAgent);
        reads.watchStarted();
        watch.after(watch.pacer.delayBeforeNext());
        return watch;
    }

    /** The index to send next, given the last one sent and the one the agent returned (the rules in the class comment). */
    static long nextIndex(long sent, long returned) {
        return returned < 1 ? 1 : returned < sent ? 0 : returned;
    }

    private void after(Duration delay) {
        if (closed.get()) {
            return;
        }
        if (delay.isZero() || delay.isNegative()) {
            send();
            return;
        }
        pause = reads.http().schedule(this::send, delay);
        if (closed.get()) {
            pause.cancel();
        }
    }

    private void send() {
        if (closed.get()) {
            return;
        }
        sent = index;
        sentAt = System.nanoTime();
        call = reads.read(agent, service, sent, this::answered);
        if (closed.get()) {
            call.cancel();
        }
    }

    private void answered(HealthReads.Reply reply, Throwable error) {
        if (closed.get() || error instanceof CancellationException) {
            return;
        }
        if (error != null) {
            failed(error);
            return;
        }
        // the next query goes out before any listener runs: one asked to run here may block, and
        // its watch (every subscription of the service) must read on meanwhile. The list is
        // reported first, so a next reply on another thread cannot overtake it
        WatchSink.deferListeners(() -> {
            handle(reply);
            return null;
        });
    }

    private void handle(HealthReads.Reply reply) {
        // a read after failures needs no word: the hub treats it as a sign by itself
        backoff.reset();
        try {
            if (reply.index() < sent && reply.index() >= 1) {
                // an agent that restarted (or restored a snapshot) starts its index again: what it
                // no longer lists may be about to register again, so the hub holds removals back
                LOG.debug("watch of '{}': index went back from {} to {}, reading afresh", service, sent, reply.index());
                sink.stateLost();
            }
            sink.snapshot(reply.instances());
        } catch (RuntimeException e) {
            // the hub must not end the watch: log and keep reading
            LOG.warn("watch of '{}': delivering a list failed: {}", service, e.toString());
        }
        index = nextIndex(sent, reply.index());
        // back early with nothing new: a broken agent or one that ignores wait; pause longer each time
        boolean idle = sent >= 1 && (reply.index() == sent || reply.index() < 1)
                && System.nanoTime() - sentAt < halfWaitNanos;
        if (idle) {
            pacer.idleReturn();
        } else {
            pacer.progress();
        }
        after(pacer.delayBeforeNext());
    }

    private void failed(Throwable error) {
        sink.failure(error);
        index = 0;
        if (reads.agents() > 1) {
            int next = (agent + 1) % reads.agents();
            LOG.atLevel(backoff.failures() == 0 ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG)
                    .log("watch of '{}': agent {} failed, trying {}", service, reads.describe(agent), reads.describe(next));
            agent = next;
        }
        // not a sleep of its own: when the Naming sees the registry answer again, every watch retries at once
        WatchSink.Retry r = sink.retryAfter(backoff.next(), this::send);
        retry = r::cancel;
        if (closed.get()) {
            r.cancel();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Stream.of(call, pause, retry).filter(Objects::nonNull).forEach(ConsulHttp.Call::cancel);
        reads.watchEnded();
        LOG.debug("watch of '{}' ended", service);
    }
}
