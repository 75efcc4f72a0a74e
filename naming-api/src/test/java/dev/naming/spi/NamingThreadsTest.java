package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NamingThreadsTest {

    @Test
    void threadsAreDaemonsNamedAfterWhatTheyDo() {
        ThreadFactory numbered = NamingThreads.factory("naming-test-http", true);
        Thread first = numbered.newThread(() -> { });
        Thread second = numbered.newThread(() -> { });
        assertEquals("naming-test-http-1", first.getName());
        assertEquals("naming-test-http-2", second.getName());
        assertTrue(first.isDaemon());
        Thread single = NamingThreads.factory("naming-test-watch", false).newThread(() -> { });
        assertEquals("naming-test-watch", single.getName());
        assertTrue(single.isDaemon());
    }

    @Test
    void startRunsTheTaskOnANamedDaemonThread() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        String[] name = new String[1];
        Thread t = NamingThreads.start("naming-test-start", () -> {
            name[0] = Thread.currentThread().getName();
            ran.countDown();
        });
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        t.join(5_000);
        assertEquals("naming-test-start", name[0]);
        assertTrue(t.isDaemon());
    }
}
