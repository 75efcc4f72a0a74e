package dev.naming.consul;

import dev.naming.Naming;
import dev.naming.NamingUri;
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

    /** The tuned configuration of {@code uri}. */
    static ConsulConfig config(String uri) {
        return ConsulConfig.from(NamingUri.parse(uri), name -> null)
                .queryInterval(Duration.ofMillis(20))
                .idleQueryPenaltyMax(Duration.ofSeconds(2))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .presenceInterval(Duration.ofMillis(300))
                .requestTimeout(Duration.ofSeconds(3))
                .connectTimeout(Duration.ofSeconds(1));
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
