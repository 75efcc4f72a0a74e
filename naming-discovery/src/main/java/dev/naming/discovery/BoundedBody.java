package dev.naming.discovery;

import dev.naming.spi.UriParameter;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * The body of one reply, kept in memory up to {@code maxReply} bytes. Bytes are counted as they
 * arrive; the first one past the limit cancels the subscription, upon which the JDK client closes
 * the connection, so the rest of the body is never read, and the reply fails naming the limit. A
 * {@code Content-Length} over the limit is refused before any of the body is read. {@link #abort}
 * ends it the same way from outside: a deadline, a caller that gave up, a client closing.
 *
 * <p>Bytes are copied into blocks of at most {@value #BLOCK} bytes rather than kept as the
 * buffers they came in: a body sent as millions of one-byte chunks would otherwise cost an object
 * per byte, and a kept buffer may be a slice of a larger one. What it holds is thus at most the
 * limit plus one block, whatever the server sends.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<Void> {

    static final int BLOCK = 16 * 1024;

    private final String where;
    private final long max;
    private final long declared;
    private final Consumer<InputStream> onBody;
    private final Consumer<NodeFailure> onTooLong;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final List<byte[]> blocks = new ArrayList<>();
    /** Bytes used in the last of {@link #blocks}. */
    private int lastFill;
    private long count;
    private Flow.Subscription subscription;
    private boolean ended;

    /**
     * @param where     {@code node: call}, for the errors
     * @param declared  the reply's {@code Content-Length}, if it has one
     * @param onBody    given the whole body once it is in, on the thread that completed it
     * @param onTooLong told when the reply declares or reaches more than {@code max} bytes
     */
    BoundedBody(String where, long max, OptionalLong declared, Consumer<InputStream> onBody,
                Consumer<NodeFailure> onTooLong) {
        this.where = where;
        this.max = max;
        this.declared = declared.orElse(-1);
        this.onBody = onBody;
        this.onTooLong = onTooLong;
    }

    @Override
    public CompletionStage<Void> getBody() {
        return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        NodeFailure refused = null;
        boolean cancel;
        synchronized (this) {
            if (subscription != null) {
                cancel = true;
            } else {
                subscription = s;
                if (!ended && declared > max) {
                    refused = new NodeFailure(where + ": the reply declares " + declared
                            + " bytes, more than maxReply=" + UriParameter.formatSize(max));
                    ended = true;
                }
                cancel = ended;
            }
        }
        // the reply is failed before the JDK hears of it, so that its error is the one that names the limit
        if (refused != null) {
            onTooLong.accept(refused);
        }
        if (cancel) {
            s.cancel();
        } else {
            // everything at once: what bounds the body is the count below, not the demand
            s.request(Long.MAX_VALUE);
        }
        if (refused != null) {
            done.completeExceptionally(refused);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        NodeFailure over = null;
        synchronized (this) {
            if (ended) {
                return;
            }
            for (ByteBuffer item : items) {
                count += item.remaining();
                if (count > max) {
                    over = new NodeFailure(where + ": the reply ran past maxReply=" + UriParameter.formatSize(max)
                            + " (more than " + max + " bytes); the rest is not read");
                    ended = true;
                    blocks.clear();
                    break;
                }
                keep(item);
            }
        }
        if (over != null) {
            onTooLong.accept(over);
            subscription.cancel();
            done.completeExceptionally(over);
        }
    }

    @Override
    public void onError(Throwable error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            blocks.clear();
        }
        // the JDK fails the exchange's own future with the same error, which fails the reply
        done.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        InputStream body;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            List<InputStream> parts = new ArrayList<>(blocks.size());
            for (int i = 0; i < blocks.size(); i++) {
                byte[] block = blocks.get(i);
                parts.add(new ByteArrayInputStream(block, 0, i == blocks.size() - 1 ? lastFill : block.length));
            }
            blocks.clear();
            body = new SequenceInputStream(Collections.enumeration(parts));
        }
        done.complete(null);
        onBody.accept(body);
    }

    /** Stops reading (the JDK then closes the connection) and drops what was read; does nothing once ended. */
    void abort(Throwable cause) {
        Flow.Subscription s;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            blocks.clear();
            s = subscription;
        }
        // outside the lock: the JDK may call onNext, which takes it, from under locks of its own
        if (s != null) {
            s.cancel();
        }
        done.completeExceptionally(cause);
    }

    private void keep(ByteBuffer item) {
        while (item.hasRemaining()) {
            if (blocks.isEmpty() || lastFill == blocks.get(blocks.size() - 1).length) {
                // a reply that declares its length gets blocks no larger than what is left of it
                long left = declared >= 0 ? Math.max(1, declared - count + item.remaining()) : BLOCK;
                blocks.add(new byte[(int) Math.min(BLOCK, left)]);
                lastFill = 0;
            }
            byte[] block = blocks.get(blocks.size() - 1);
            int n = Math.min(item.remaining(), block.length - lastFill);
            item.get(block, lastFill, n);
            lastFill += n;
        }
    }
}
