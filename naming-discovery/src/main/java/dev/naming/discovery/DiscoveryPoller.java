package dev.naming.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.naming.NamingException;
import dev.naming.ServiceInstance;
import dev.naming.spi.Backoff;
import dev.naming.spi.NamingLoggers;
import dev.naming.spi.NamingThreads;
import dev.naming.spi.ServiceWatch;
import dev.naming.spi.WatchSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;

/**
 * The one {@code polls} long-poll loop of a {@code Naming}, on thread {@code naming-discovery-poll}:
 * a single request names every watched appid with the {@code latest_timestamp} last seen for it, so
 * one connection serves any number of watched services.
 *
 * <p>The loop, round after round:
 * <ol>
 *   <li><b>Sync.</b> Apps not yet read from the current node (newly watched, or everything after a
 *       failure, since another node's timestamps mean nothing here) are read with one
 *       {@code fetchs}: an app in the reply is delivered with its {@code latest_timestamp}, an app
 *       left out is delivered as an empty list (and polled from timestamp 0). This is the
 *       "timestamps reset to 0, first reply is a full state" rule, and it also covers apps the
 *       server does not know, which a poll at 0 would never report.
 *   <li><b>Poll.</b> {@code polls} with every app. A newly watched app, or one no longer watched,
 *       completes the loop's wake-up: the in-flight poll is cancelled (the exchange is aborted) and
 *       the round starts again, so a new app never waits out a hold and a dropped one is not held. A
 *       reply carries only changed apps; each is delivered. An app listed under
 *       {@code error -404} and absent from {@code data} is delivered as empty once (its last list
 *       was not already empty) and stays watched.
 *   <li><b>Confirm after -304.</b> The server does not wake pollers when an app's last instance
 *       is cancelled or evicted (it deletes the app and finds nothing to send), and later polls
 *       only report apps whose timestamp moved. So after each -304 — at most once per hold, and
 *       only when nothing else happened — the apps whose last list was non-empty are checked with
 *       one {@code fetchs} with {@code status=2} (down instances only): an existing app answers
 *       with its (almost always empty) down list, a deleted one is left out and is delivered as
 *       empty. The check costs one small request per hold whatever the number of apps, and bounds
 *       the delay of a "service went to zero" to one hold.
 * </ol>
 * <p><b>Whose wake-up.</b> The server files a held poll under the request's {@code hostname}, and
 * requests that share one share a single wake-up channel: a change is sent to that channel once per
 * request filed for the changed app, and whichever request waits on the channel first takes it.
 * Another {@code Naming} on this host, or a poll this loop aborted (the server does not notice a
 * client hanging up and keeps the request filed until its hold ends), would take wake-ups meant
 * for the current poll, which then sleeps out its hold. So each poll is sent under a key of its
 * own: the configured host name, a random suffix of this {@code Naming} and the poll's number.
 * Registration is not affected (an instance's hostname is its id). An app in a reply that the poll
 * did not ask for is ignored.
 *
 * <p><b>Node restarts.</b> A node restarted in an instant forgets the watched apps, and a poll
 * naming only them would be held a whole hold there: the JDK client silently resends a poll whose
 * pooled connection closed before any reply byte, so no failure is seen. So every poll also names
 * {@value #NODE_APP}, with the {@code latest_timestamp} last seen like any app: the restarted node
 * registered itself there at its start ({@code regSelf}, every timestamp "now"), newer than the
 * poll's timestamp, so {@code Polls} answers at once, and its reply lists the forgotten apps under
 * -404: one last seen with instances reports a state loss, so that this {@code Naming}'s
 * registrations are renewed, and registered again, now. {@value #NODE_APP} reaches no subscriber
 * unless the application watches it itself.
 *
 * <p>Any failure (transport, HTTP status, a reply over a limit or past its deadline, malformed JSON,
 * -500 protect mode, an unexpected code) keeps every last list ({@link WatchSink#failure}), moves to
 * the next node, backs off with jitter — a pause that ends early when the {@code Naming} sees its
 * registry answer again ({@link WatchSink#retryAfter}) — and syncs all apps again from the node that
 * answers next.
 */
final class DiscoveryPoller implements AutoCloseable {

    private static final Logger LOG = NamingLoggers.get(DiscoveryPoller.class);
    static final String THREAD_NAME = "naming-discovery-poll";
    private static final String DOWN_ONLY = "2";
    /** {@code model.AppID}: the app every node registers itself in. See "Node restarts". */
    static final String NODE_APP = "infra.discovery";
    /** Where {@link #NODE_APP} goes when the application does not watch it: nowhere. */
    private static final WatchSink NOBODY = new WatchSink() {
        @Override
        public void snapshot(List<ServiceInstance> instances) {
        }

        @Override
        public void failure(Throwable error) {
        }
    };

    private final DiscoveryConfig config;
    private final DiscoveryClient client;
    private final Runnable onStart;
    private final String pollKeyPrefix;
    private final Object lock = new Object();
    private final Map<String, App> apps = new LinkedHashMap<>();
    private CompletableFuture<Void> wakeup = new CompletableFuture<>();
    private final CompletableFuture<Void> closing = new CompletableFuture<>();
    private Thread thread;
    private boolean closed;
    /** Polls sent so far; touched by the loop thread only. */
    private long pollCount;
    /** {@link #NODE_APP} polled for a restarted node's answer only; touched by the loop thread only. */
    private final App nodeApp = new App(NODE_APP, NOBODY);

    /** One watched app. Its fields other than the sink are touched by the loop thread only. */
    private static final class App {
        final String appid;
        final WatchSink sink;
        long timestamp;
        boolean synced;
        /** Whether the last list delivered was non-empty; {@code null} before the first one. */
        Boolean nonEmpty;

        App(String appid, WatchSink sink) {
            this.appid = appid;
            this.sink = sink;
        }
    }

    /**
     * @param onStart run once when the loop starts (starts the node list refresh)
     */
    DiscoveryPoller(DiscoveryConfig config, DiscoveryClient client, Runnable onStart) {
        this.config = config;
        this.client = client;
        this.onStart = onStart;
        this.pollKeyPrefix = config.hostname() + "-" + String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    ServiceWatch watch(String appid, WatchSink sink) {
        App app = new App(appid, sink);
        synchronized (lock) {
            if (closed) {
                throw new NamingException("discovery naming is closed");
            }
            apps.put(appid, app);
            wakeup.complete(null);
            lock.notifyAll();
            if (thread == null) {
                thread = NamingThreads.start(THREAD_NAME, this::run);
                onStart.run();
            }
        }
        return () -> {
            synchronized (lock) {
                // the poll in flight still names the app: end it, or it is held up to a whole hold
                if (apps.remove(appid, app)) {
                    wakeup.complete(null);
                }
            }
        };
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            apps.clear();
            wakeup.complete(null);
            closing.complete(null);
            lock.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Backoff backoff = new Backoff(config.retryMin(), config.retryMax());
        while (true) {
            List<App> batch;
            CompletableFuture<Void> interrupt;
            synchronized (lock) {
                while (!closed && apps.isEmpty()) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        if (closed) {
                            return;
                        }
                    }
                }
                if (closed) {
                    return;
                }
                batch = new ArrayList<>(apps.values());
                if (!apps.containsKey(NODE_APP)) {
                    batch.add(nodeApp);
                }
                if (wakeup.isDone()) {
                    wakeup = new CompletableFuture<>();
                }
                interrupt = wakeup;
            }
            String node = client.nodes().current();
            try {
                List<App> unsynced = batch.stream().filter(a -> !a.synced).toList();
                if (!unsynced.isEmpty()) {
                    sync(node, unsynced);
                } else {
                    poll(node, batch, interrupt);
                }
                backoff.reset();
            } catch (NodeFailure e) {
                if (isClosed()) {
                    return;
                }
                for (App a : batch) {
                    a.synced = false;
                    a.sink.failure(e);
                }
                client.nodes().failed(node);
                Duration pause = backoff.next();
                LOG.debug("discovery: polling {} failed, next try in {} ms: {}", node, pause.toMillis(),
                        e.getMessage());
                // NOBODY is behind no Naming: its pause would not end when the registry answers again
                WatchSink sink = batch.stream().map(a -> a.sink).filter(s -> s != NOBODY).findFirst().orElse(NOBODY);
                if (!pause(pause, sink)) {
                    return;
                }
            }
        }
    }

    /** Reads apps in full with one {@code fetchs}; those left out are delivered as empty. */
    private void sync(String node, List<App> unsynced) {
        FormBody query = new FormBody().add("env", config.env());
        unsynced.forEach(a -> query.add("appid", a.appid));
        query.add("status", Integer.toString(InstanceMapping.STATUS_UP)).addIfPresent("zone", config.zoneFilter());
        Reply reply = awaitOrClose(client.getAsync(node, "fetchs", query, client.timeout()));
        if (reply == null) {
            return;
        }
        if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
            throw new NodeFailure(node + ": fetchs answered code " + reply.code());
        }
        for (App a : unsynced) {
            JsonNode info = reply.data().path(a.appid);
            if (info.isObject()) {
                deliver(a, InstanceMapping.instances(a.appid, info));
                a.timestamp = info.path("latest_timestamp").asLong(0);
            } else {
                deliver(a, List.of());
                a.timestamp = 0;
            }
            a.synced = true;
        }
    }

    private void poll(String node, List<App> batch, CompletableFuture<Void> interrupt) {
        // the server's key for this held request: see "Whose wake-up" in the class comment
        FormBody query = new FormBody().add("env", config.env()).add("hostname", pollKeyPrefix + "-" + ++pollCount);
        for (App a : batch) {
            query.add("appid", a.appid).add("latest_timestamp", Long.toString(a.timestamp));
        }
        query.addIfPresent("zone", config.zoneFilter());
        Duration wait = config.hold().plus(client.timeout());
        Reply reply = DiscoveryClient.await(client.getAsync(node, "polls", query, wait), interrupt);
        if (reply == null) {
            return; // an app joined, or closing: start the round again
        }
        switch (reply.code()) {
            case Reply.OK -> changed(batch, reply);
            case Reply.NOT_MODIFIED -> {
                confirm(node, batch);
                batch.forEach(a -> a.sink.unchanged()); // the hold ended without a change: still true
            }
            default -> throw new NodeFailure(node + ": polls answered code " + reply.code());
        }
    }

    /**
     * A reply to a poll. {@code data} is the truth; the -404 list is the server's answer from when
     * the request arrived, before any hold, so an app whose first instance woke the poll is named
     * in both: it counts as missing only when {@code data} does not carry it.
     */
    private void changed(List<App> batch, Reply reply) {
        Map<String, App> byId = new LinkedHashMap<>();
        batch.forEach(a -> byId.put(a.appid, a));
        for (JsonNode missing : reply.error().path(Integer.toString(Reply.NOT_FOUND))) {
            App a = byId.get(missing.asText());
            if (a != null && Boolean.TRUE.equals(a.nonEmpty)) {
                // the node did not know an app we last saw with instances: it restarted or is another
                // node without our state (the JDK client may retry a dropped poll on a new connection,
                // so no failure need have been seen). Its removals are held while owners come back.
                a.sink.stateLost();
            }
        }
        Set<String> inData = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : reply.data().properties()) {
            App a = byId.get(e.getKey());
            if (a == null) {
                LOG.debug("discovery: ignoring '{}' in a poll reply that did not ask for it", e.getKey());
                continue;
            }
            if (e.getValue().isObject()) {
                inData.add(a.appid);
                deliver(a, InstanceMapping.instances(a.appid, e.getValue()));
                a.timestamp = Math.max(a.timestamp, e.getValue().path("latest_timestamp").asLong(0));
            }
        }
        for (JsonNode missing : reply.error().path(Integer.toString(Reply.NOT_FOUND))) {
            App a = byId.get(missing.asText());
            if (a != null && !inData.contains(a.appid) && !Boolean.FALSE.equals(a.nonEmpty)) {
                deliver(a, List.of());
            }
        }
    }

    /** After a -304: are the apps we believe non-empty still there? See the class comment. */
    private void confirm(String node, List<App> batch) {
        List<App> suspects = batch.stream().filter(a -> Boolean.TRUE.equals(a.nonEmpty)).toList();
        if (suspects.isEmpty()) {
            return;
        }
        FormBody query = new FormBody().add("env", config.env());
        suspects.forEach(a -> query.add("appid", a.appid));
        query.add("status", DOWN_ONLY).addIfPresent("zone", config.zoneFilter());
        Reply reply = awaitOrClose(client.getAsync(node, "fetchs", query, client.timeout()));
        if (reply == null) {
            return;
        }
        if (reply.code() != Reply.OK && reply.code() != Reply.NOT_FOUND) {
            throw new NodeFailure(node + ": fetchs answered code " + reply.code());
        }
        for (App a : suspects) {
            if (!reply.data().path(a.appid).isObject()) {
                LOG.debug("discovery: '{}' is gone from {} without a poll reply, delivering it empty", a.appid, node);
                deliver(a, List.of());
            }
        }
    }

    private void deliver(App a, List<ServiceInstance> instances) {
        a.nonEmpty = !instances.isEmpty();
        a.sink.snapshot(instances);
    }

    private Reply awaitOrClose(CompletableFuture<Reply> reply) {
        return DiscoveryClient.await(reply, closing);
    }

    /**
     * Waits {@code d} after a failure, or less: the {@code Naming} ends the pause of every watch
     * when it sees the registry answer again ({@link WatchSink#retryAfter}); {@code false} once closed.
     */
    private boolean pause(Duration d, WatchSink sink) {
        long deadline = System.nanoTime() + d.toNanos();
        boolean[] released = {false};
        WatchSink.Retry retry = sink.retryAfter(d, () -> {
            synchronized (lock) {
                released[0] = true;
                lock.notifyAll();
            }
        });
        try {
            synchronized (lock) {
                while (!closed && !released[0]) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return true;
                    }
                    try {
                        lock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        // close() interrupts; the loop re-checks closed
                    }
                }
                return !closed;
            }
        } finally {
            retry.cancel();
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }
}
