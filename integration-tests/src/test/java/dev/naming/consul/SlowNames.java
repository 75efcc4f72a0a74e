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
 * A DNS server that does not answer, for one name: {@value #NAME} is looked up as 127.0.0.1, but
 * only once {@link #answer()} is called; every other name goes to the JVM's own name service.
 * Java 17 offers no resolver hook (JDK 18's {@code InetAddressResolverProvider} would), so this
 * replaces {@code InetAddress.nameService} (needs {@code --add-opens java.base/java.net}, set in
 * this module's surefire configuration); {@link #install()} returns {@code null} where that field
 * is not there, and a test then skips. {@link #close()} puts the JVM's own back.
 */
final class SlowNames implements AutoCloseable {

    /** The name whose lookup hangs; the test agent's certificate names it too. */
    static final String NAME = "slow-dns.agent.test";

    private final Field field;
    private final Object original;
    private final CountDownLatch answered = new CountDownLatch(1);
    private final AtomicInteger lookups = new AtomicInteger();

    private SlowNames(Field field, Object original) {
        this.field = field;
        this.original = original;
    }

    /** Installs it; {@code null} on a JDK without {@code InetAddress.nameService}. */
    static SlowNames install() {
        try {
            Field field = InetAddress.class.getDeclaredField("nameService");
            field.setAccessible(true);
            Object original = field.get(null);
            Class<?> service = Class.forName("java.net.InetAddress$NameService");
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
        if (method.getName().equals("lookupAllHostAddr") && NAME.equals(args[0])) {
            lookups.incrementAndGet();
            if (!answered.await(30, TimeUnit.SECONDS)) {
                throw new java.net.UnknownHostException(NAME + ": no answer");
            }
            return new InetAddress[] {InetAddress.getByAddress(NAME, new byte[] {127, 0, 0, 1})};
        }
        method.setAccessible(true);
        try {
            return method.invoke(original, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Lookups of {@value #NAME} begun so far. */
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
