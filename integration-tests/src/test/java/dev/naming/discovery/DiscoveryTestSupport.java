package dev.naming.discovery;

import dev.naming.Naming;
import dev.naming.NamingUri;
import dev.naming.ServiceInstance;
import dev.naming.discovery.emulator.DiscoveryCluster;
import dev.naming.discovery.emulator.DiscoveryEmulator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Shared set-up of the backend tests: short timings on the URI, a recording listener. */
final class DiscoveryTestSupport {

    static final String ENV = "test";
    static final String ZONE = "sh001";
    static final String FAST = "renew=200ms&hold=1s&timeout=2s&retryMin=50ms&retryMax=300ms";

    private DiscoveryTestSupport() {
    }

    static String uri(String authority, String extra) {
        return "discovery://" + authority + "?env=" + ENV + "&zone=" + ZONE + "&hostname=test-host&" + FAST
                + (extra.isEmpty() ? "" : "&" + extra);
    }

    static DiscoveryNaming connect(DiscoveryEmulator node) {
        return connect(node.address(), "");
    }

    static DiscoveryNaming connect(DiscoveryCluster cluster) {
        return connect(cluster.authority(), "");
    }

    static DiscoveryNaming connect(String authority, String extra) {
        return (DiscoveryNaming) new DiscoveryProvider().create(NamingUri.parse(uri(authority, extra)));
    }

    static Naming viaServiceLoader(String authority) {
        return Naming.connect(uri(authority, ""));
    }

    /** A listener keeping every list it got. */
    static final class Lists implements Consumer<List<ServiceInstance>> {
        final List<List<ServiceInstance>> received = new CopyOnWriteArrayList<>();

        @Override
        public void accept(List<ServiceInstance> list) {
            received.add(list);
        }

        List<ServiceInstance> last() {
            return received.isEmpty() ? null : received.get(received.size() - 1);
        }

        List<String> lastIds() {
            List<ServiceInstance> l = last();
            return l == null ? null : l.stream().map(ServiceInstance::id).collect(Collectors.toList());
        }

        int count() {
            return received.size();
        }
    }
}
