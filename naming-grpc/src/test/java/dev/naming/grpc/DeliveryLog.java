package dev.naming.grpc;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Wraps a provider and records every result its resolvers hand to their channel, after the channel
 * has taken it: a test knows when a list "is delivered" and what the addresses carried.
 */
public final class DeliveryLog extends NameResolverProvider {

    private final NameResolverProvider delegate;
    private final List<StatusOr<List<EquivalentAddressGroup>>> results = new ArrayList<>();

    public DeliveryLog(NameResolverProvider delegate) {
        this.delegate = delegate;
    }

    /** Every result so far, in order. */
    public synchronized List<StatusOr<List<EquivalentAddressGroup>>> results() {
        return List.copyOf(results);
    }

    /** The instance ids of a delivered address list. */
    public static List<String> ids(List<EquivalentAddressGroup> groups) {
        return groups.stream().map(g -> g.getAttributes().get(NamingAttributes.INSTANCE_ID)).toList();
    }

    /** Waits until a delivered result matches; returns it. */
    public synchronized StatusOr<List<EquivalentAddressGroup>> await(
            Predicate<StatusOr<List<EquivalentAddressGroup>>> wanted, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < results.size(); seen++) {
                if (wanted.test(results.get(seen))) {
                    return results.get(seen);
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching result delivered within " + deadline + "; delivered: " + results);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Waits for a delivered address list whose ids match. */
    public List<EquivalentAddressGroup> awaitList(Predicate<List<String>> ids, Duration deadline)
            throws InterruptedException {
        return await(r -> r.hasValue() && ids.test(ids(r.getValue())), deadline).getValue();
    }

    private synchronized void record(StatusOr<List<EquivalentAddressGroup>> result) {
        results.add(result);
        notifyAll();
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        NameResolver resolver = delegate.newNameResolver(targetUri, args);
        if (resolver == null) {
            return null;
        }
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return resolver.getServiceAuthority();
            }

            @Override
            public void start(Listener2 listener) {
                resolver.start(new Listener2() {
                    @Override
                    public void onResult(ResolutionResult result) {
                        listener.onResult(result);
                        record(result.getAddressesOrError());
                    }

                    @Override
                    public Status onResult2(ResolutionResult result) {
                        Status status = listener.onResult2(result);
                        record(result.getAddressesOrError());
                        return status;
                    }

                    @Override
                    public void onError(Status error) {
                        listener.onError(error);
                        record(StatusOr.fromStatus(error));
                    }
                });
            }

            @Override
            public void refresh() {
                resolver.refresh();
            }

            @Override
            public void shutdown() {
                resolver.shutdown();
            }
        };
    }

    @Override
    public String getDefaultScheme() {
        return delegate.getDefaultScheme();
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return delegate.getProducedSocketAddressTypes();
    }
}
