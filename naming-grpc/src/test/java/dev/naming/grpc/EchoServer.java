package dev.naming.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real gRPC server on 127.0.0.1, port 0, with one unary method that answers with the server's
 * name: tests see which server took each RPC. The method is written by hand with a UTF-8 string
 * marshaller, so no protobuf code generation is needed.
 */
public final class EchoServer implements AutoCloseable {

    /** {@code naming.test.Echo/Who}: any string in, the serving server's name out. */
    public static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("naming.test.Echo", "Who"))
            .setRequestMarshaller(Utf8.INSTANCE)
            .setResponseMarshaller(Utf8.INSTANCE)
            .build();

    private final String name;
    private final Server server;
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicLong firstServedNanos = new AtomicLong();

    private EchoServer(String name) throws IOException {
        this.name = name;
        ServerCallHandler<String, String> handler = (call, headers) -> {
            call.request(1);
            return new ServerCall.Listener<>() {
                @Override
                public void onMessage(String message) {
                    firstServedNanos.compareAndSet(0, System.nanoTime());
                    served.incrementAndGet();
                    call.sendHeaders(new Metadata());
                    call.sendMessage(EchoServer.this.name);
                    call.close(Status.OK, new Metadata());
                }
            };
        };
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
                .addService(ServerServiceDefinition.builder("naming.test.Echo").addMethod(WHO, handler).build())
                .build()
                .start();
    }

    /** Starts a server named {@code name}. */
    public static EchoServer start(String name) {
        try {
            return new EchoServer(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getPort();
    }

    /** RPCs this server has answered. */
    public int served() {
        return served.get();
    }

    /** {@code System.nanoTime()} of the first RPC since the last {@link #resetFirstServed()}, 0 if none. */
    public long firstServedNanos() {
        return firstServedNanos.get();
    }

    public void resetFirstServed() {
        firstServedNanos.set(0);
    }

    /**
     * One {@link #WHO} call over {@code channel}: the name of the server that answered.
     *
     * @throws StatusRuntimeException when the RPC fails
     */
    public static String who(Channel channel, Duration deadline) {
        return who(channel, CallOptions.DEFAULT, deadline);
    }

    /** As {@link #who(Channel, Duration)}, with call options (wait-for-ready, for one). */
    public static String who(Channel channel, CallOptions options, Duration deadline) {
        CompletableFuture<String> reply = call(channel, options, deadline);
        try {
            // the call's own deadline ends it; the margin only guards against a lost close
            return reply.get(deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException sre) {
                throw sre;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("RPC neither answered nor failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts one {@link #WHO} call without waiting: the future completes with the answering server's
     * name, or fails with a {@link StatusRuntimeException}; the deadline bounds it.
     */
    public static CompletableFuture<String> call(Channel channel, CallOptions options, Duration deadline) {
        ClientCall<String, String> call = channel.newCall(WHO,
                options.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        CompletableFuture<String> reply = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            private String message;

            @Override
            public void onMessage(String message) {
                this.message = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (status.isOk()) {
                    reply.complete(message);
                } else {
                    reply.completeExceptionally(status.asRuntimeException(trailers));
                }
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage("who");
        call.halfClose();
        return reply;
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "EchoServer[" + name + " on 127.0.0.1:" + port() + "]";
    }

    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
