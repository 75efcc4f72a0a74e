package dev.naming.consul;

import dev.naming.Naming;
import dev.naming.NamingUri;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Consul {@link Naming}s tuned for tests: short pacing, backoff and presence checks, so that rules
 * which take seconds in production take milliseconds here. The environment is ignored (no
 * {@code CONSUL_HTTP_*} from the machine leaks in).
 */
final class FastConsul {

    private FastConsul() {
    }

    /** The tuning, as the URI parameters any user can give. */
    static final Map<String, String> TUNING = Map.of("queryInterval", "20ms", "idlePenaltyMax", "2s",
            "retryMin", "50ms", "retryMax", "400ms", "presenceInterval", "300ms", "timeout", "3s",
            "connectTimeout", "1s");

    /** The tuned configuration of {@code uri}; parameters in {@code uri} win over the tuning. */
    static ConsulConfig config(String uri) {
        return config(NamingUri.parse(uri));
    }

    /** The tuned configuration of {@code parsed}; its parameters win over the tuning. */
    static ConsulConfig config(NamingUri parsed) {
        Map<String, String> params = new LinkedHashMap<>(TUNING);
        params.putAll(parsed.params());
        return ConsulConfig.from(new NamingUri(parsed.scheme(), parsed.authority(), parsed.path(), params),
                name -> null);
    }

    static ConsulNaming connect(String uri) {
        return new ConsulNaming(config(uri));
    }

    /** Names of live threads starting with {@code prefix}. */
    static List<String> threads(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(prefix)) {
                names.add(t.getName());
            }
        }
        return names;
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
