package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.util.List;

/**
 * Where a backend's watch reports what it read. The shared machinery behind it sorts, drops
 * repeats, keeps the last good list on failures, filters, warms up and fans out to subscribers;
 * a backend only reports.
 */
public interface WatchSink {

    /** The full, current list of healthy instances of the watched service, in any order. */
    void snapshot(List<ServiceInstance> instances);

    /**
     * A read failed. Subscribers keep their last list; the watch is expected to retry with
     * {@link Backoff}. Never report an error as an empty snapshot.
     */
    void failure(Throwable error);
}
