package dev.naming;

import java.time.Duration;

import java.util.List;
import java.util.function.Consumer;

/**
 * A connection to one service registry: register this process's services, find and watch others.
 *
 * <p>A {@code Naming} is a long-lived client, like an HTTP client: create one per registry at
 * start-up, share it, and close it at shutdown. It owns every thread and connection it uses;
 * {@link #close()} stops watches and heartbeats and deregisters what it registered.
 *
 * <p>Which registry is used depends on the URI and on the backend jars on the classpath:
 * <pre>{@code
 * try (Naming naming = Naming.connect("consul://127.0.0.1:8500")) {
 *     naming.register(ServiceRegistration.builder()
 *             .id("logic-1").name("chat.logic").address("10.0.0.5").port(8000)
 *             .protocol("ws").tags("gate", "zone-a").build());
 *     List<ServiceInstance> gates = naming.find("chat.logic", "gate");
 *     Subscription s = naming.subscribe("chat.logic", list -> router.update(list));
 * }
 * }</pre>
 *
 * <p>Contract kept by every backend:
 * <ul>
 *   <li>{@link #find} returns only instances able to take traffic, carrying every given tag,
 *       sorted by id; an unknown service gives an empty list.
 *   <li>{@link #subscribe} delivers the current list once the first read succeeds, then a new
 *       list after every change; never two equal lists in a row; calls for one subscription never
 *       overlap and keep their order; a listener that throws is logged and keeps its subscription.
 *   <li>While the registry cannot be reached a subscription keeps its last list and says nothing;
 *       it retries with capped exponential backoff and delivers the true list once it is back.
 *   <li>All subscriptions to one service share one backend watch: threads and connections grow
 *       with watched services, never with subscribers.
 *   <li>{@link #register} is idempotent by id; the instance stays visible while this process
 *       lives (heartbeats, renewals, re-registration after the registry forgot it); a registry
 *       that is down when it is called delays the registration, never loses it.
 *   <li>Input is checked before any I/O: bad input throws {@link IllegalArgumentException} naming
 *       the field; registry failures throw {@link NamingException}.
 * </ul>
 *
 * <p>Implementations are thread-safe.
 */
public interface Naming extends AutoCloseable {

    /**
     * Returns the instances of {@code serviceName} that can take traffic and carry every one of
     * {@code tags}, sorted by id. While the service is subscribed through this {@code Naming} the
     * answer comes from the subscription's list, with no network call.
     *
     * <p>{@code find} answers the registry's view: a {@linkplain SubscribeOptions#warmup() warm-up}
     * is an option of one subscription and holds instances back from that subscription only, so
     * {@code find} returns warming instances too, whether or not a subscription with a warm-up
     * watches the service.
     *
     * @throws IllegalArgumentException if the name or a tag is invalid
     * @throws NamingException if the registry cannot answer
     */
    List<ServiceInstance> find(String serviceName, String... tags);

    /**
     * Whether the registry said, in its last answer about {@code serviceName} to this
     * {@code Naming} ({@link #find} or the subscription's watch), that it left out instances this
     * client's credentials may not see. An empty or short list is then no proof that the service
     * has no other instances: the credentials need the right to read them. On Consul this is the
     * ACL token (an answer with {@code X-Consul-Results-Filtered-By-ACLs}); registries without read
     * access control always answer {@code false}, as does every registry before its first answer.
     */
    default boolean resultsFiltered(String serviceName) {
        return false;
    }

    /**
     * Watches {@code serviceName}; {@code listener} gets the current list once the first read
     * succeeds and a new list after every change. Calls for one subscription never overlap and
     * arrive in order, on a dispatcher thread owned by this {@code Naming}: a listener that blocks
     * delays only its own subscription, and when it returns it gets the newest list (lists that
     * were superseded meanwhile are skipped, never delivered out of order). Another executor, the
     * calling thread included, can be named with {@link SubscribeOptions#withExecutor}.
     *
     * <p>The returned {@link Subscription} is the only way to end this subscription: whoever
     * subscribed owns it and closes it. There is no call that ends subscriptions by service name,
     * because a {@code Naming} is shared — by the components of an application and by gRPC channels
     * ({@code NamingNameResolverProvider.of(naming)}) — and such a call would silently end
     * subscriptions its caller did not make, freezing a channel's server list. Closing the
     * {@code Naming} ends them all.
     */
    default Subscription subscribe(String serviceName, Consumer<List<ServiceInstance>> listener) {
        return subscribe(serviceName, SubscribeOptions.defaults(), listener);
    }

    /**
     * As {@link #subscribe(String, Consumer)}, with tag filtering and warm-up from
     * {@code options}.
     */
    Subscription subscribe(String serviceName, SubscribeOptions options,
                           Consumer<List<ServiceInstance>> listener);

    /**
     * Registers (or, for an id already registered, updates) a service instance and keeps it
     * alive until {@link #deregister} or {@link #close()}.
     *
     * <p>The registration belongs to this {@code Naming}'s keep-alive from the first call: a
     * registry that cannot be reached (down at start, every server refusing connections, timing
     * out, or answering 429/5xx) delays it, never loses it. The first attempt is made before this
     * returns; when it fails that way the registration is kept as <em>pending</em>, registered by
     * the keep-alive as soon as the registry answers (it probes the registry every half second at
     * most) and kept alive from then on, and this throws {@link RegistrationPendingException}. It
     * throws rather than returns so that the caller never believes the instance visible when it is
     * not, yet the exception says the registration will happen: catch it to start anyway, or let it
     * propagate to stop — {@link #deregister} or {@link #close()} drops a pending registration. A
     * registry that <em>answers</em> with a refusal (a rejected request, an ACL denial) keeps
     * nothing: a plain {@link NamingException}, and no retry.
     *
     * @throws IllegalArgumentException if the registration cannot be carried by this backend
     * @throws RegistrationPendingException if the registry could not be reached: the registration
     *     is kept and made as soon as it answers
     * @throws NamingException if the registry refused it
     */
    void register(ServiceRegistration registration);

    /** Removes an instance registered by id; an unknown id is not an error. */
    void deregister(String serviceId);

    /**
     * Takes an instance out of traffic without removing it from the registry: {@link #find} and
     * subscriptions, in this process and every other, stop returning it, while it stays registered
     * and kept alive. On Consul this is service maintenance mode, on bilibili/discovery status 2
     * ({@code set}), in memory a flag. An instance registered through this {@code Naming} stays
     * drained through re-registrations (a registry that restarted) until {@link #undrain} or
     * {@link #deregister}; another one is drained once, where its registry allows (a Consul
     * agent drains only the services registered on it).
     *
     * @throws IllegalArgumentException if the name or id is invalid
     * @throws NamingException if the registry does not know the instance or cannot be reached
     */
    void drain(String serviceName, String serviceId);

    /** Puts a {@linkplain #drain drained} instance back into traffic. */
    void undrain(String serviceName, String serviceId);

    /**
     * Stops watches and heartbeats, deregisters what this {@code Naming} registered and releases
     * its threads and connections. Calling it again does nothing.
     */
    @Override
    void close();

    /**
     * Drains every instance this {@code Naming} registered, waits {@code drainFor} so that clients
     * see them leave and finish their work, then {@linkplain #close() closes}: the way to stop a
     * server without failing the requests on their way to it. A drain the registry refuses is
     * logged and does not stop the close.
     *
     * @throws IllegalArgumentException if {@code drainFor} is negative
     */
    void close(Duration drainFor);

    /**
     * Arranges for this {@code Naming} to be closed as a server should stop when the JVM is asked
     * to (SIGTERM, Ctrl-C, {@code System.exit}): {@link #close(Duration) close(drain)} on a shutdown
     * hook — every instance it registered is taken out of traffic, clients get {@code drain} to
     * move away and finish what they sent, then the instances are deregistered and the threads and
     * connections released. A JVM killed outright (SIGKILL) runs no hook: its instances leave when
     * their health checks lapse.
     *
     * <pre>{@code
     * Naming naming = Naming.connect();
     * naming.closeOnShutdown(Duration.ofSeconds(5));   // SIGTERM: drain 5 s, deregister, close
     * }</pre>
     *
     * <p>Closing the {@code Naming} before the shutdown cancels it, as does the returned handle.
     * The JVM waits for the hook, so keep {@code drain} within what your orchestrator allows
     * between SIGTERM and SIGKILL (Kubernetes: {@code terminationGracePeriodSeconds}, 30 s).
     *
     * @throws IllegalArgumentException if {@code drain} is negative
     * @throws IllegalStateException if the JVM is already shutting down
     */
    default OnShutdown closeOnShutdown(Duration drain) {
        dev.naming.internal.Validation.notNegative("drain", drain);
        Thread hook = new Thread(() -> close(drain), "naming-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return () -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs, or has run: nothing left to cancel
            }
        };
    }

    /**
     * Connects to the registry named by {@code uri}, e.g. {@code inmemory:},
     * {@code inmemory://cluster-a}, {@code consul://127.0.0.1:8500?dc=dc1},
     * {@code discovery://host1:7171,host2:7171?zone=sh1&env=dev}. The backend is the provider
     * on the classpath whose scheme matches.
     *
     * @throws NamingException if no provider on the classpath handles the scheme (the message
     *     lists those that are there)
     * @throws IllegalArgumentException if the URI is malformed
     */
    static Naming connect(String uri) {
        return ProviderLookup.system().connect(NamingUri.parse(uri));
    }

    /**
     * As {@link #connect(String)}, for a URI already parsed (e.g. {@link NamingUri#configured()}).
     *
     * @throws NamingException if no provider on the classpath handles the scheme
     * @throws IllegalArgumentException if {@code uri} is null or its parameters are invalid for the backend
     */
    static Naming connect(NamingUri uri) {
        if (uri == null) {
            throw new IllegalArgumentException("uri must not be null");
        }
        return ProviderLookup.system().connect(uri);
    }

    /**
     * Connects to the registry {@linkplain NamingUri#configured() configured} for this process: the
     * {@code naming.url} system property, else the {@code NAMING_URL} environment variable; without
     * either, to the only provider on the classpath with its defaults.
     *
     * @throws NamingException if there is no URL and not exactly one provider
     */
    static Naming connect() {
        return ProviderLookup.system().connectDefault();
    }
}
