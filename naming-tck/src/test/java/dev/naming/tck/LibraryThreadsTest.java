package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LibraryThreadsTest {

    @Test
    void countsOnlyLibraryThreadsStartedSinceTheSnapshotAndStillAlive() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        Thread before = start("naming-test-before", release);
        LibraryThreads threads = LibraryThreads.snapshot();
        Thread watch = start("naming-test-watch", release);
        Thread dispatch = start("naming-test-dispatch-1", release);
        Thread timer = start("naming-test-timer", release);
        Thread other = start("not-the-library", release);
        try {
            assertEquals(List.of("naming-test-dispatch-1", "naming-test-timer", "naming-test-watch"), threads.started());
            assertEquals(List.of("naming-test-watch"), threads.startedBackground());
            assertEquals(List.of("naming-test-dispatch-1"), threads.startedDispatchers());
        } finally {
            release.countDown();
        }
        for (Thread t : List.of(before, watch, dispatch, timer, other)) {
            t.join(5_000);
        }
        assertEquals(List.of(), threads.started(), "ended threads are not counted");
    }

    private static Thread start(String name, CountDownLatch release) {
        Thread t = new Thread(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
