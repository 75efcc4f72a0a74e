package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {

    private final AtomicReference<byte[]> body = new AtomicReference<>();
    private final AtomicReference<NodeFailure> tooLong = new AtomicReference<>();
    private final Subscription subscription = new Subscription();

    private BoundedBody body(long max, OptionalLong declared) {
        return new BoundedBody("http://n:7171: fetchs", max, declared, in -> body.set(readAll(in)), tooLong::set);
    }

    @Test
    void aBodyWithinTheLimitIsHandedOnWhole() {
        BoundedBody b = body(10, OptionalLong.empty());
        b.onSubscribe(subscription);
        b.onNext(List.of(bytes("{\"code\""), bytes(":0}")));
        b.onComplete();
        assertArrayEquals(bytes("{\"code\":0}").array(), body.get());
        assertTrue(b.getBody().toCompletableFuture().isDone());
        assertEquals(0, subscription.cancelled);
    }

    @Test
    void aBodyInManyTinyChunksIsKeptInBlocksAndHandedOnWhole() {
        int n = 3 * BoundedBody.BLOCK + 7;
        BoundedBody b = body(n, OptionalLong.empty());
        b.onSubscribe(subscription);
        for (int i = 0; i < n; i++) {
            b.onNext(List.of(ByteBuffer.wrap(new byte[] {(byte) i})));
        }
        b.onComplete();
        byte[] got = body.get();
        assertEquals(n, got.length);
        for (int i = 0; i < n; i++) {
            assertEquals((byte) i, got[i], "byte " + i);
        }
    }

    @Test
    void theFirstBytePastTheLimitCancelsTheSubscriptionAndFailsNamingTheLimit() {
        BoundedBody b = body(1024, OptionalLong.empty());
        b.onSubscribe(subscription);
        b.onNext(List.of(ByteBuffer.allocate(1000)));
        assertNull(tooLong.get());
        b.onNext(List.of(ByteBuffer.allocate(24), ByteBuffer.allocate(1)));
        assertEquals("http://n:7171: fetchs: the reply ran past maxReply=1KiB (more than 1024 bytes); the rest is "
                + "not read", tooLong.get().getMessage());
        assertEquals(1, subscription.cancelled);
        assertTrue(b.getBody().toCompletableFuture().isCompletedExceptionally());
        b.onNext(List.of(ByteBuffer.allocate(100)));
        b.onComplete();
        assertNull(body.get(), "nothing is handed on after the limit");
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeAnyOfTheBodyIsAskedFor() {
        BoundedBody b = body(32L << 20, OptionalLong.of(50_000_000));
        b.onSubscribe(subscription);
        assertEquals("http://n:7171: fetchs: the reply declares 50000000 bytes, more than maxReply=32MiB",
                tooLong.get().getMessage());
        assertEquals(1, subscription.cancelled);
        assertEquals(0, subscription.requested, "not a byte of the body was asked for");
    }

    @Test
    void abortStopsTheReadingAndDropsWhatWasRead() {
        BoundedBody b = body(1024, OptionalLong.of(100));
        b.onSubscribe(subscription);
        b.onNext(List.of(ByteBuffer.allocate(50)));
        b.abort(new NodeFailure("deadline"));
        assertEquals(1, subscription.cancelled);
        b.onNext(List.of(ByteBuffer.allocate(50)));
        b.onComplete();
        assertNull(body.get());
        assertNull(tooLong.get(), "an abort is not a limit");
        b.abort(new NodeFailure("again"));
        assertEquals(1, subscription.cancelled, "once");
    }

    @Test
    void abortBeforeTheSubscriptionCancelsItWhenItComes() {
        BoundedBody b = body(1024, OptionalLong.empty());
        b.abort(new NodeFailure("the caller gave up"));
        b.onSubscribe(subscription);
        assertEquals(1, subscription.cancelled);
        assertEquals(0, subscription.requested);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts what the body asks of it. */
    private static final class Subscription implements Flow.Subscription {
        long requested;
        int cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled++;
        }
    }
}
