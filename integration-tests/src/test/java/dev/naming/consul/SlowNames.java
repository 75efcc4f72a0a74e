package dev.naming.consul;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server that does not answer, for one name: {@link #name()} is looked up as 127.0.0.1, but
 * only once {@link #answer()} is called, and, as a native lookup, the wait heeds no interrupt;
 * every other name goes to the JVM's own name service. Each instance has a name of its own (the
 * JVM caches what a name resolved to), under {@value #DOMAIN}, which the test agent's certificate
 * covers.
 * Java 17 offers no resolver hook (JDK 18's {@code InetAddressResolverProvider} is one, but only
 * through a service file read once per JVM), so this replaces the field {@code InetAddress} asks:
 * {@code nameService} on Java 17, {@code resolver} from Java 18 on (needs {@code --add-opens
 * java.base/java.net}, set in this module's surefire configuration). {@link #install()} returns
 * {@code null} on a JDK with neither, and a test then skips. {@link #close()} puts the JVM's own back.
 */
final class SlowNames implements AutoCloseable {

    /** The domain of every slow name; the test agent's certificate holds {@code *.} it. */
    static final String DOMAIN = "slow-dns.test";
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final String name = "n" + INSTANCES.incrementAndGet() + "-" + System.nanoTime() + "." + DOMAIN;

    private final Field field;
    private final Object original;
    private final CountDownLatch answered = new CountDownLatch(1);
    private final AtomicInteger lookups = new AtomicInteger();

    private SlowNames(Field field, Object original) {
        this.field = field;
        this.original = original;
    }

    /** Installs it; {@code null} on a JDK with neither of the two fields it knows. */
    static SlowNames install() {
        try {
            Field field;
            Class<?> service;
            try {
                // Java 17
                field = InetAddress.class.getDeclaredField("nameService");
                service = Class.forName("java.net.InetAddress$NameService");
            } catch (NoSuchFieldException newerJdk) {
                // Java 18 and later: the resolver that InetAddress.resolver() sets up on first use
                field = InetAddress.class.getDeclaredField("resolver");
                service = Class.forName("java.net.spi.InetAddressResolver");
                Method init = InetAddress.class.getDeclaredMethod("resolver");
                init.setAccessible(true);
                init.invoke(null);
            }
            field.setAccessible(true);
            Object original = field.get(null);
            SlowNames slow = new SlowNames(field, original);
            Object proxy = Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service},
                    (p, method, args) -> slow.call(method, args));
            field.set(null, proxy);
            return slow;
        } catch (ReflectiveOperationException | RuntimeException unavailable) {
            return null;
        }
    }

    private Object call(Method method, Object[] args) throws Throwable {
        boolean java17 = method.getName().equals("lookupAllHostAddr");
        if ((java17 || method.getName().equals("lookupByName")) && name.equals(args[0])) {
            lookups.incrementAndGet();
            if (!awaitUninterruptibly()) {
                throw new java.net.UnknownHostException(name + ": no answer");
            }
            InetAddress address = InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1});
            return java17 ? new InetAddress[] {address} : java.util.stream.Stream.of(address);
        }
        method.setAccessible(true);
        try {
            return method.invoke(original, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private boolean awaitUninterruptibly() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return answered.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The name whose lookup hangs. */
    String name() {
        return name;
    }

    /** Lookups of {@link #name()} begun so far. */
    int lookups() {
        return lookups.get();
    }

    /** The DNS server answers from now on. */
    void answer() {
        answered.countDown();
    }

    @Override
    public void close() throws IllegalAccessException {
        answer();
        field.set(null, original);
    }
}
