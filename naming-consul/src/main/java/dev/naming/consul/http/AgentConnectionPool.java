package dev.naming.consul.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.transport.HttpDestination;

/**
 * Jetty's multiplexed pool, opening a connection to an agent only for requests that lack a stream.
 * Jetty's own opened a fifth for 1,000 watches at 250 streams a connection (kept by the blocking
 * query it got), on two counts. Its hint to create counts the request being sent twice, as it is
 * queued already: ignored here, a connection opens when the queued requests exceed what the pending
 * ones will carry. And a destination takes a stream before it looks for a request, giving it back
 * unused when another thread sent that request, so for a moment every stream may be taken although
 * fewer requests are under way, and what queued meanwhile waits: while HTTP/2 connections are open,
 * a request that finds no stream free is looked at every {@value #CHECK_MILLIS} ms (sent on a stream
 * that freed), and only after {@value #CHECKS} looks does a connection open for it (a busy machine
 * can hold the thread that took a stream for tens of milliseconds).
 */
final class AgentConnectionPool extends MultiplexConnectionPool {

    static final long CHECK_MILLIS = 10;
    static final int CHECKS = 5;

    private final HttpDestination destination;
    /** Open connections that carry more than one request at a time (HTTP/2). */
    private final AtomicInteger multiplexed = new AtomicInteger();
    /** Looks taken at the waiting requests; 0 while none wait. */
    private final AtomicInteger looks = new AtomicInteger();

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
        } else if (looks.compareAndSet(0, 1)) {
            lookLater();
        }
    }

    private void lookLater() {
        try {
            destination.getHttpClient().getScheduler().schedule(this::look, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            looks.set(0);
        }
    }

    /** Sends what waits on streams freed meanwhile; opens a connection for what waited too long. */
    private void look() {
        boolean again = false;
        try {
            proceed();
            boolean waiting = destination.getQueuedRequestCount() > 0;
            again = waiting && looks.getAndIncrement() < CHECKS;
            if (waiting && !again) {
                super.tryCreate(false);
            }
        } finally {
            if (again) {
                lookLater();
            } else {
                looks.set(0);
                if (destination.getQueuedRequestCount() > 0) {
                    tryCreate(false); // queued after the last look, when the looks were still taken
                }
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
