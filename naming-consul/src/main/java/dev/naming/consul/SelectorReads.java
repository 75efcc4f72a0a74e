package dev.naming.consul;

import dev.naming.spi.HeldDeliveries;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.WatchSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The reading threads shared by {@link Http1Reads} (plain HTTP/1.1) and {@link Http2Reads} (HTTP/2
 * over TLS): every connection of one {@code Naming}'s watches on one selector, whose leading thread
 * reads each reply and hands it to its handler itself.
 *
 * <p>Two threads take turns at the selector (leader/followers): one leads, the other stands by.
 * Replies are handed to their watches inside {@link WatchSink#holdDeliveries}; when that holds
 * listener calls for the {@code Naming}'s dispatcher, the leader makes the standby lead and runs the
 * first call itself ({@link HeldDeliveries#runHere()}), then stands by. The default listener is then
 * called with no thread woken before it (the standby wakes beside it, and sends the next queries),
 * and one that blocks still holds only its own subscription: the other thread reads on, and while
 * no thread stands by, held calls go to the dispatcher (docs/BENCHMARKS.md measures both).
 *
 * <p>Everything a protocol does with its connections runs on the leading thread: requests are
 * started and cancelled through {@link #submit}, events come to {@link #ready}, deadlines to
 * {@link #expire}. A subclass keeps that state in fields only the leading thread touches. An agent
 * given by host name (not an address) is looked up on a thread {@value #LOOKUP_THREAD_NAME} per
 * name being looked up ({@link #lookUp}): a DNS server that does not answer holds only the
 * requests that wait for that lookup.
 *
 * <p>Each request's handler is called once, on the leading thread (a request made after
 * {@link #close()}: on the caller's), never under a lock of this class. A handler must not block:
 * every other request of this {@code Naming} waits while it runs. If the leading thread dies (an
 * {@link Error}), pending and later requests fail with an {@link IOException} and {@link #usable()}
 * turns false.
 */
abstract class SelectorReads implements AutoCloseable {

    private static final Logger LOG = NamingLoggers.get(SelectorReads.class);

    /** Looks up agents' host names, when they are names. */
    static final String LOOKUP_THREAD_NAME = "naming-consul-lookup";
    /** How long a connection may stay unused. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** A reply's body past this many bytes is refused (a health list of 100,000 instances is far below it). */
    static final int MAX_BODY = 256 * 1024 * 1024;

    /** What a request's sender learns, once: on the leading thread, or on the caller's for a request made after close. */
    interface Handler {
        void answered(Response response);

        void failed(Throwable error);
    }

    /** A complete reply; {@code headers} maps each name, case-insensitively, to its values. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        /** The first value of header {@code name}, any case. */
        Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    /** A request sent or about to be. */
    interface Exchange {
        /** Aborts the request; its handler gets a {@link CancellationException}. */
        void cancel();
    }

    /** Looks up an agent's host name; may block (DNS). */
    interface Resolver {
        InetAddress resolve(String host) throws IOException;
    }

    final Duration connectTimeout;
    private final Resolver resolver;
    final Selector selector;
    private final String kind;
    /** Guards {@link #standby} and every change of {@link #leader}. */
    private final Object turn = new Object();
    /** The thread that selects and reads now: the fields marked "leading thread only" are its. */
    private volatile Thread leader;
    /** The thread waiting to take the reading over, when one is (guarded by {@link #turn}). */
    private Thread standby;
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private final ThreadFactory readerThreads;
    /** Counted down once the leading thread has failed every request and closed the selector. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    // leading thread only
    private ThreadPoolExecutor lookups;
    /** Names being looked up, and what waits for each. */
    private final Map<String, List<BiConsumer<InetAddress, Throwable>>> lookingUp = new HashMap<>();
    volatile boolean closed;
    private volatile Throwable crash;

    /**
     * @param kind what the threads read, for log lines ("plain-HTTP", "HTTP/2")
     * @param threadName the name of both reading threads
     */
    SelectorReads(String kind, String threadName, Duration connectTimeout, Resolver resolver) throws IOException {
        this.kind = kind;
        this.connectTimeout = connectTimeout;
        this.resolver = resolver;
        this.readerThreads = NamingThreads.factory(threadName, false);
        this.selector = Selector.open();
    }

    /** Starts both threads; the last step of a subclass's constructor, once its own fields are set. */
    final void startReading() {
        startReader(true);
        try {
            startReader(false);
        } catch (RuntimeException | Error e) {
            close(); // the first thread would wait on a selector nothing else can reach
            throw e;
        }
    }

    /**
     * Sends {@code GET target} to {@code host:port} with {@code headers}; {@code handler} learns the
     * outcome once, as this class's javadoc says.
     *
     * @param host a name or an address; an IPv6 address with or without brackets
     * @param timeout for the whole exchange, connecting included; past it (checked about once a
     *     second) the request fails with an {@link java.net.http.HttpTimeoutException}
     * @throws IllegalArgumentException a header value or the target with a line break or a control character
     */
    final Exchange get(String host, int port, String target, Map<String, String> headers, Duration timeout,
                       Handler handler) {
        String[] names = authority(host, port);
        checked("target", target);
        checked("host", names[1]);
        headers.forEach((name, value) -> {
            checked("header name", name);
            checked(name, value);
        });
        return send(names[0], port, names[1], target, headers, timeout, handler);
    }

    /**
     * Sends what {@link #get} checked: {@code host} without brackets, {@code authority} as
     * {@code host:port} with them.
     */
    abstract Exchange send(String host, int port, String authority, String target, Map<String, String> headers,
                           Duration timeout, Handler handler);

    /** A selected key's events; an {@link IOException} belongs to the key's connection, anything else stops the reader. */
    abstract void ready(SelectionKey key);

    /** Runs on every turn of the loop: deadlines and idle connections, checked as often as the subclass likes. */
    abstract void expire();

    /** How long a select may wait (milliseconds, 0: until woken): a second while something has a deadline. */
    abstract long selectTimeoutMillis();

    /** Fails every pending request with {@link #closedError()} and closes every connection; closing. */
    abstract void failEverything();

    /** Gives {@code handler} its reply; one that throws is logged: it must not stop the reads of every other watch. */
    static void answer(Handler handler, Response response, String agent) {
        try {
            handler.answered(response);
        } catch (RuntimeException | Error bug) {
            LOG.warn("consul: handling a reply from {} failed", agent, bug);
        }
    }

    /** Gives {@code handler} its failure; one that throws is logged, as in {@link #answer}. */
    static void answerFailure(Handler handler, Throwable error, String agent) {
        try {
            handler.failed(error);
        } catch (RuntimeException | Error bug) {
            LOG.warn("consul: handling a failed request to {} failed", agent, bug);
        }
    }

    /** Refuses a header value or target with a line break or a control character, naming {@code what}. */
    static String checked(String what, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException(what + " holds a character not allowed in an HTTP request: U+"
                        + String.format("%04X", (int) c));
            }
        }
        return value;
    }

    /** {@code host:port}, an IPv6 address in brackets, and {@code host} without them. */
    static String[] authority(String host, int port) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return new String[] {bare, (bare.indexOf(':') >= 0 ? "[" + bare + "]" : bare) + ":" + port};
    }

    /**
     * Runs {@code task} on the leading thread once it is done with the replies it is reading now:
     * after the listener calls they held were handed on (a handler sends its next request from
     * here, so that the thread that calls the listener does not send it first). Once closed, runs
     * it on the caller's thread.
     */
    void afterReplies(Runnable task) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException | Error bug) {
                // the handler's own code, run later: it must not stop the reads of every other watch
                LOG.warn("consul: a task a reply left failed", bug);
            }
        };
        if (!submit(guarded, null)) {
            guarded.run();
        }
    }

    /**
     * Runs {@code task} on the leading thread; {@code false} when closed. Once closed, {@code unsent}
     * (the handler of a request not yet started, which nothing else would answer) fails instead; a
     * cancel has nothing left to do.
     */
    final boolean submit(Runnable task, Handler unsent) {
        synchronized (tasks) {
            if (!closed) {
                tasks.add(task);
                if (Thread.currentThread() != leader) {
                    selector.wakeup();
                }
                return true;
            }
        }
        if (unsent != null) {
            unsent.failed(closedError());
        }
        return false;
    }

    /** What a request fails with once this is closed: cancelled, or an I/O error if the leading thread died. */
    final Exception closedError() {
        Throwable why = crash;
        return why == null ? new CancellationException("closed")
                : new IOException("the " + kind + " reading thread stopped: " + why, why);
    }

    /** False once closed, or once its leading thread died: then a new one is needed. */
    boolean usable() {
        return !closed;
    }

    // ---- the reading threads -------------------------------------------------------------------

    private Thread startReader(boolean leading) {
        Thread t = readerThreads.newThread(() -> {
            try {
                read(leading);
            } finally {
                readers.remove(Thread.currentThread());
            }
        });
        readers.add(t);
        if (leading) {
            leader = t;
        }
        t.start();
        return t;
    }

    /**
     * A reader thread's life: it leads (selects and reads), and when replies held listener calls
     * and the standby took the reading over, it runs the first of those calls and then stands by.
     */
    private void read(boolean leading) {
        if (!leading && !awaitTurn()) {
            return;
        }
        while (true) {
            HeldDeliveries held = lead();
            if (held == null) {
                return;
            }
            try {
                held.runHere();
            } catch (VirtualMachineError e) {
                // what a pool thread dying of it would leave: this thread stands by again instead
                LOG.error("consul: a listener call on a {} reading thread failed", kind, e);
            }
            // the dispatcher clears what a listener left, and so must this thread: an interrupt
            // left set would end every park and select at once, and the threads would spin
            Thread.interrupted();
            if (!awaitTurn()) {
                return;
            }
        }
    }

    /** Stands by until made the leader ({@code true}); {@code false} once closed, or when another stands by already. */
    private boolean awaitTurn() {
        Thread me = Thread.currentThread();
        synchronized (turn) {
            if (standby != null || closed) {
                return false;
            }
            standby = me;
        }
        while (leader != me) {
            if (closed) {
                synchronized (turn) {
                    if (leader == me) {
                        return true; // handed the reading just before the close: its shutdown is this thread's
                    }
                    if (standby == me) {
                        standby = null;
                    }
                    return false;
                }
            }
            LockSupport.park(this);
        }
        return true;
    }

    /**
     * Makes the standby the leader, if one stands by: a reply's listener call may then run on this
     * thread, and the standby's wake-up happens beside it rather than before it.
     */
    private boolean handOver() {
        synchronized (turn) {
            Thread next = standby;
            if (next == null || closed) {
                return false;
            }
            standby = null;
            leader = next;
            LockSupport.unpark(next);
            return true;
        }
    }

    /**
     * Selects and reads until closed (then fails what is pending and returns {@code null}), or until
     * a reply held listener calls and the standby took the reading over: this thread then returns
     * them, to run with no part in the reading left.
     */
    private HeldDeliveries lead() {
        try {
            while (!closed) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                expire();
                // a listener on this thread (withExecutor(Runnable::run)) may have left an interrupt
                Thread.interrupted();
                HeldDeliveries held = WatchSink.holdDeliveries(this::select);
                if (!held.isEmpty()) {
                    boolean handed = false;
                    try {
                        handed = handOver();
                    } finally {
                        if (!handed) {
                            held.dispatch();
                        }
                    }
                    if (handed) {
                        // the next queries those replies sent wait in tasks: the new leader sends them
                        return held;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            // pending and later requests fail as I/O errors, so the watches back off and retry on a new reader
            LOG.error("consul: the {} reading thread stopped; the watches will retry on a new one", kind, cause);
            synchronized (tasks) {
                crash = cause;
                closed = true;
            }
        }
        try {
            shutdown();
        } finally {
            stopped.countDown();
            wakeStandby();
        }
        return null;
    }

    private void select() {
        try {
            // a task queued by this thread (a handler that sends again) must not wait for the next wake-up
            if (tasks.isEmpty()) {
                selector.select(this::ready, selectTimeoutMillis());
            } else {
                selector.selectNow(this::ready);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void wakeStandby() {
        Thread waiting;
        synchronized (turn) {
            waiting = standby;
        }
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    // ---- looking names up ----------------------------------------------------------------------

    /**
     * Looks {@code host} up on a lookup thread and gives the address, or the failure, to
     * {@code then} on the leading thread. A lookup may block for seconds (a DNS server that does
     * not answer): not on the leading thread, where it would hold every other watch's reply.
     * Leading thread only.
     */
    final void lookUp(String host, BiConsumer<InetAddress, Throwable> then) {
        List<BiConsumer<InetAddress, Throwable>> waiting = lookingUp.get(host);
        if (waiting != null) {
            // one lookup per name at a time (the JDK runs one per name anyway): what comes meanwhile waits for its answer
            waiting.add(then);
            return;
        }
        waiting = new ArrayList<>();
        waiting.add(then);
        lookingUp.put(host, waiting);
        try {
            lookups().execute(() -> {
                InetAddress address = null;
                IOException error = null;
                try {
                    address = resolver.resolve(host);
                } catch (IOException | RuntimeException x) {
                    error = new IOException("cannot resolve " + host + ": " + x.getMessage(), x);
                }
                InetAddress resolved = address;
                IOException failure = error;
                submit(() -> looked(host, resolved, failure), null);
            });
        } catch (RejectedExecutionException closing) {
            lookingUp.remove(host);
            then.accept(null, closedError());
        }
    }

    /** A lookup of {@code host} ended: what waited for it goes on. */
    private void looked(String host, InetAddress address, IOException failure) {
        List<BiConsumer<InetAddress, Throwable>> waiting = lookingUp.remove(host);
        if (waiting != null) {
            waiting.forEach(w -> w.accept(address, failure));
        }
    }

    /**
     * Gives {@code connect} the address of {@code host}: at once for an address, after a lookup for
     * a name ({@link #lookUp}); a lookup that fails goes to {@code fail}; neither runs if
     * {@code gone} says nothing waits for the answer any more. Leading thread only.
     */
    final void resolve(String host, int port, BooleanSupplier gone, Consumer<InetSocketAddress> connect,
                       Consumer<Throwable> fail) {
        InetAddress literal = literal(host);
        if (literal != null) {
            connect.accept(new InetSocketAddress(literal, port));
            return;
        }
        lookUp(host, (address, failure) -> {
            if (gone.getAsBoolean()) {
                return;
            }
            if (failure != null) {
                fail.accept(failure);
            } else {
                connect.accept(new InetSocketAddress(address, port));
            }
        });
    }

    /** A non-blocking channel with what every connection to an agent gets: no Nagle delay, TCP keep-alive. */
    static SocketChannel openChannel() throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        return channel;
    }

    /** The address {@code host} spells, without a lookup; {@code null} for a name. */
    static InetAddress literal(String host) {
        if (host.indexOf(':') < 0 && !dottedQuad(host)) {
            return null;
        }
        try {
            // a dotted quad or an IPv6 address: parsed, never looked up
            return InetAddress.getByName(host);
        } catch (IOException notAnAddress) {
            return null;
        }
    }

    /** Four decimal numbers of at most 255, dot-separated. */
    private static boolean dottedQuad(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * The threads that look up host names: one per name being looked up (a lookup that hangs for
     * one agent must not hold the lookup of the agent a watch fails over to), so no more than the
     * agents given by name; each ends after 30 s without a lookup. Leading thread only.
     */
    private ThreadPoolExecutor lookups() {
        if (lookups == null) {
            lookups = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    NamingThreads.factory(LOOKUP_THREAD_NAME, false));
        }
        return lookups;
    }

    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell anyone
        }
    }

    private void shutdown() {
        List<Runnable> left = new ArrayList<>();
        synchronized (tasks) {
            closed = true;
            Runnable task;
            while ((task = tasks.poll()) != null) {
                left.add(task);
            }
        }
        // starts fail as closed; cancels end what they cancel; every request is failed below, whatever a task does
        left.forEach(Runnable::run);
        failEverything();
        if (lookups != null) {
            // an idle lookup thread ends now; one in a lookup when that returns (a native lookup
            // does not heed interrupts), and what it would then start is refused as closed
            lookups.shutdownNow();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing is registered any more
        }
    }

    /**
     * Fails every pending request with a {@link CancellationException}, closes every connection
     * and ends both threads. Waits up to 5 s for the leading thread to have done so, unless called
     * from it (a handler that closes), then up to a second for the other (one in a listener call
     * it held is interrupted after that, as the {@code Naming}'s dispatcher threads are).
     */
    @Override
    public void close() {
        synchronized (tasks) {
            if (closed) {
                return;
            }
            closed = true;
        }
        selector.wakeup();
        wakeStandby();
        Thread me = Thread.currentThread();
        if (me == leader) {
            return; // a handler that closes: its thread shuts down once the handler returns
        }
        try {
            if (stopped.await(5, TimeUnit.SECONDS)) {
                // the standby ends at once; a thread in a listener call it held gets what the
                // Naming's dispatcher gets at close: a second, then an interrupt
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                for (Thread t : readers) {
                    if (t != me) {
                        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
                        if (t.isAlive()) {
                            t.interrupt();
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
