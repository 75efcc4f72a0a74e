package dev.naming.consul;

import java.nio.charset.StandardCharsets;

/**
 * Puts caller-supplied names into request paths and queries so that nothing a caller passes can
 * change which endpoint is called: every byte outside RFC 3986's unreserved set is %-escaped
 * ({@code /} becomes {@code %2F}), and the dot segments {@code .} and {@code ..}, which HTTP stacks
 * resolve away (Retrofit refuses them), are rejected up front.
 */
final class ConsulPaths {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ConsulPaths() {
    }

    /** @throws IllegalArgumentException naming {@code field} when {@code value} is a dot segment */
    static String checkSegment(String field, String value) {
        if (value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(field + " must not be '" + value + "' on Consul (a path dot segment)");
        }
        return value;
    }

    /** {@code value} %-escaped for use as one path segment or one query value. */
    static String encode(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 8);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }
}
