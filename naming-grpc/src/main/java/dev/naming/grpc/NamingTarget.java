package dev.naming.grpc;

import dev.naming.NamingUri;
import dev.naming.SubscribeOptions;
import dev.naming.spi.InputChecks;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A channel target {@code naming:///SERVICE[?tag=T&tag=U&warmup=2s&protocol=grpc]}, parsed and
 * checked when the channel is built, so that a mistyped target fails there and not at the first RPC.
 *
 * @param service  the watched service's name
 * @param options  tags and warm-up, as {@code Naming.subscribe} takes them
 * @param protocol only instances registered with this protocol are given to the channel
 */
record NamingTarget(String service, SubscribeOptions options, String protocol) {

    static final String SCHEME = "naming";
    static final String DEFAULT_PROTOCOL = "grpc";
    private static final Set<String> PARAMETERS = Set.of("tag", "warmup", "protocol");

    /**
     * Parses a target whose scheme is {@value #SCHEME}.
     *
     * @throws IllegalArgumentException naming what is wrong: an authority, no service, an unknown
     *     parameter, a malformed tag, duration or protocol
     */
    static NamingTarget parse(URI target) {
        String shown = target.getScheme() + ":" + target.getRawSchemeSpecificPart();
        if (target.isOpaque() || target.getRawPath() == null || !target.getRawPath().startsWith("/")) {
            throw new IllegalArgumentException("naming target must look like naming:///SERVICE, was '" + shown + "'");
        }
        if (target.getRawAuthority() != null && !target.getRawAuthority().isEmpty()) {
            throw new IllegalArgumentException("naming target '" + shown + "' must have an empty authority "
                    + "(naming:///SERVICE): the registry comes from NAMING_URL or NamingNameResolverProvider.of(naming)");
        }
        String service = target.getPath().substring(1);
        if (service.isEmpty()) {
            throw new IllegalArgumentException("naming target '" + shown + "' names no service (naming:///SERVICE)");
        }
        InputChecks.serviceName(service);
        List<String> tags = new ArrayList<>();
        Duration warmup = Duration.ZERO;
        String protocol = DEFAULT_PROTOCOL;
        String query = target.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                switch (name) {
                    case "tag" -> tags.add(value);
                    case "warmup" -> warmup = NamingUri.parseDuration("warmup", value);
                    case "protocol" -> protocol = InputChecks.protocol(value).toLowerCase(Locale.ROOT);
                    default -> throw new IllegalArgumentException("naming target '" + shown + "' has unknown parameter '"
                            + name + "'; known: " + String.join(", ", PARAMETERS.stream().sorted().toList()));
                }
            }
        }
        return new NamingTarget(service, new SubscribeOptions(InputChecks.tags(tags), warmup), protocol);
    }

    /**
     * The channel's authority: the service name, with every character outside RFC 3986's unreserved
     * set percent-encoded so that any registered name makes a valid authority.
     */
    String authority() {
        StringBuilder sb = new StringBuilder(service.length());
        for (byte b : service.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("naming target has a malformed %-escape in its query", e);
        }
    }
}
