package dev.naming.grpc;

import dev.naming.ServiceInstance;
import dev.naming.Subscription;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.util.List;

/**
 * Follows one service for one channel through a {@code Naming} subscription: every list the
 * subscription delivers becomes the channel's addresses.
 *
 * <p>The subscription already keeps the last list through registry outages and never delivers an
 * empty list because of an error, so this resolver has nothing to poll: {@link #refresh()} does
 * nothing while the subscription runs. The only errors it reports are failures to obtain a
 * {@code Naming} or to subscribe (no backend, a closed {@code Naming}); the channel then calls
 * {@link #refresh()} with backoff, which tries again.
 *
 * <p>Threads: {@link #start}, {@link #refresh} and {@link #shutdown} run in the channel's
 * synchronization context as grpc guarantees; lists arrive on the thread the {@code Naming}
 * calls its listeners on (its dispatcher), which turns them into addresses (host names are looked
 * up there) and hands them to the
 * synchronization context. The resolver starts no thread of its own.
 */
final class NamingNameResolver extends NameResolver {

    private final NamingTarget target;
    private final NamingSource source;
    private final SynchronizationContext syncContext;

    // the fields below are used in the synchronization context only
    private Listener2 listener;
    private NamingSource.Lease lease;
    private Subscription subscription;
    private List<EquivalentAddressGroup> delivered;
    private boolean shutdown;

    NamingNameResolver(NamingTarget target, NamingSource source, SynchronizationContext syncContext) {
        this.target = target;
        this.source = source;
        this.syncContext = syncContext;
    }

    @Override
    public String getServiceAuthority() {
        return target.authority();
    }

    @Override
    public void start(Listener2 listener) {
        if (this.listener != null) {
            throw new IllegalStateException("already started");
        }
        this.listener = listener;
        subscribe();
    }

    /** Nothing to do while subscribed: every change is pushed. After a failed start, tries again. */
    @Override
    public void refresh() {
        if (listener != null && subscription == null && !shutdown) {
            subscribe();
        }
    }

    @Override
    public void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
        if (lease != null) {
            lease.release();
            lease = null;
        }
    }

    private void subscribe() {
        try {
            lease = source.acquire();
            subscription = lease.naming().subscribe(target.service(), target.options(), this::onList);
        } catch (RuntimeException e) {
            if (lease != null) {
                lease.release();
                lease = null;
            }
            Status error = Status.UNAVAILABLE.withCause(e).withDescription(
                    "naming resolver cannot watch '" + target.service() + "': " + e.getMessage());
            listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromStatus(error)).build());
        }
    }

    /** A list from the subscription, on the thread the {@code Naming} calls its listeners on. */
    private void onList(List<ServiceInstance> instances) {
        List<EquivalentAddressGroup> groups = InstanceAddresses.groups(instances, target.protocol());
        syncContext.execute(() -> deliver(groups));
    }

    private void deliver(List<EquivalentAddressGroup> groups) {
        if (shutdown || groups.equals(delivered)) {
            return; // a list may reach here after shutdown, or differ from the last only in other protocols
        }
        delivered = groups;
        // an empty list is the registry's word that no instance is left, not an error: passed as it is
        listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
    }

    @Override
    public String toString() {
        return "NamingNameResolver[" + target.service() + "]";
    }
}
