package dev.naming.consul.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.transport.HttpDestination;

/**
 * Jetty's multiplexed pool, opening a connection to an agent only for requests that lack a stream.
 * Jetty's own opens a fifth for 1,000 watches at 250 streams a connection (and the fifth's blocking
 * query keeps it), on two counts. Its hint to create counts the request being sent once more,
 * though it is queued already: the hint is ignored, a connection opens when the queued requests
 * exceed what the pending ones will carry. And a destination takes a stream before it looks for a
 * request to send on it, giving it back when another thread sent that request meanwhile, so for a
 * moment every stream may be taken although fewer requests are under way (and the stream, given
 * back, sends nothing that queued meanwhile): while HTTP/2 connections are open, a request that
 * finds none of their streams free is looked at again every {@value #CHECK_MILLIS} ms, sent on a
 * stream that freed, and only after {@value #CHECKS} looks another connection opens (a busy machine
 * can hold the thread that took a stream for tens of milliseconds).
 */
final class AgentConnectionPool extends MultiplexConnectionPool {

    static final long CHECK_MILLIS = 10;
    static final int CHECKS = 5;

    private final HttpDestination destination;
    /** Open connections that carry more than one request at a time (HTTP/2). */
    private final AtomicInteger multiplexed = new AtomicInteger();
    private final AtomicBoolean waiting = new AtomicBoolean();
    /** Looks at the queue since it started waiting; only the scheduled {@link #recheck} changes it. */
    private int checks;

    /** @param expectedStreams what a connection is taken to carry until it says (HTTP/2's SETTINGS) */
    AgentConnectionPool(Destination destination, int maxConnections, int expectedStreams) {
        super(destination, maxConnections, 1);
        setInitialMaxMultiplex(expectedStreams);
        this.destination = (HttpDestination) destination;
    }

    @Override
    public Connection acquire(boolean create) {
        return super.acquire(false);
    }

    @Override
    protected void tryCreate(boolean create) {
        if (multiplexed.get() == 0 || getPendingConnectionCount() > 0) {
            super.tryCreate(false);
        } else if (waiting.compareAndSet(false, true)) {
            checks = 0;
            later();
        }
    }

    private void later() {
        try {
            destination.getHttpClient().getScheduler().schedule(this::recheck, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            waiting.set(false);
        }
    }

    /** Sends what waits on streams freed meanwhile; opens a connection for what waits too long. */
    private void recheck() {
        boolean again = false;
        try {
            proceed();
            boolean queued = destination.getQueuedRequestCount() > 0;
            again = queued && ++checks < CHECKS;
            if (queued && !again) {
                super.tryCreate(false);
            }
        } finally {
            if (again) {
                later();
            } else {
                waiting.set(false);
            }
        }
    }

    @Override
    protected void onCreated(Connection connection) {
        super.onCreated(connection);
        multiplexed.addAndGet(connection instanceof ConnectionPool.MaxMultiplexable ? 1 : 0);
    }

    @Override
    protected void onRemoved(Connection connection) {
        super.onRemoved(connection);
        multiplexed.addAndGet(connection instanceof ConnectionPool.MaxMultiplexable ? -1 : 0);
    }
}
