package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RecorderTest {

    private static ServiceInstance instance(String id) {
        return new ServiceInstance(id, "svc", "10.0.0.1", 80, "http", List.of(), Map.of());
    }

    @Test
    void beforeTheFirstCallThereIsNoLastList() {
        Recorder recorder = new Recorder();
        assertEquals(0, recorder.count());
        assertNull(recorder.last());
        assertNull(recorder.lastIds());
        assertNull(recorder.lastDelivery());
        assertEquals(0, recorder.mostConcurrentCalls());
    }

    @Test
    void remembersEveryListInOrderWithItsTime() {
        Recorder recorder = new Recorder();
        long before = System.nanoTime();
        recorder.accept(List.of(instance("a")));
        recorder.accept(List.of(instance("a"), instance("b")));

        assertEquals(2, recorder.count());
        assertEquals(List.of(List.of(instance("a")), List.of(instance("a"), instance("b"))), recorder.lists());
        assertEquals(List.of("a", "b"), recorder.lastIds());
        assertTrue(recorder.lastDelivery().atNanos() >= before);
        assertTrue(recorder.deliveries().get(0).atNanos() <= recorder.deliveries().get(1).atNanos());
        assertEquals("Recorder[[a], [a, b]]", recorder.toString());
    }

    @Test
    void tellsWhetherTwoConsecutiveCallsCarriedEqualLists() {
        Recorder recorder = new Recorder();
        recorder.accept(List.of(instance("a")));
        recorder.accept(List.of());
        recorder.accept(List.of(instance("a")));
        assertFalse(recorder.repeatedAList(), "equal lists, but not in a row");
        recorder.accept(List.of(instance("a")));
        assertTrue(recorder.repeatedAList());
    }

    @Test
    void recordsTheCallBeforeItsReactionThrows() {
        Recorder recorder = new Recorder().then(list -> {
            throw new IllegalStateException("reaction");
        });
        assertThrows(IllegalStateException.class, () -> recorder.accept(List.of(instance("a"))));
        assertEquals(List.of("a"), recorder.lastIds());
        assertEquals(1, recorder.mostConcurrentCalls());
    }

    @Test
    void countsCallsThatRanAtTheSameTime() throws InterruptedException {
        CountDownLatch bothInside = new CountDownLatch(2);
        Recorder recorder = new Recorder().then(list -> {
            bothInside.countDown();
            try {
                bothInside.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread first = new Thread(() -> recorder.accept(List.of()));
        Thread second = new Thread(() -> recorder.accept(List.of()));
        first.start();
        second.start();
        first.join(5_000);
        second.join(5_000);
        assertEquals(2, recorder.mostConcurrentCalls());

        Recorder sequential = new Recorder();
        sequential.accept(List.of());
        sequential.accept(List.of());
        assertEquals(1, sequential.mostConcurrentCalls());
    }
}
