package dev.naming.spi;

import dev.naming.internal.Validation;
import java.util.Collection;
import java.util.List;

/**
 * The input rules the API applies to names, ids, tags and protocols, for code that takes them from
 * elsewhere before they reach the API: a backend reading its registry's replies, a tool parsing a
 * command line or a channel target. Each failure is an {@link IllegalArgumentException} whose message
 * starts with the field's name, as the API's own.
 */
public final class InputChecks {

    /** The longest service name or id accepted, in characters. */
    public static final int MAX_NAME_LENGTH = Validation.MAX_NAME_LENGTH;

    private InputChecks() {
    }

    /** A service name: not blank, at most {@value #MAX_NAME_LENGTH} characters, no control characters. */
    public static String serviceName(String value) {
        return Validation.serviceName(value);
    }

    /** A service id: same rules as a service name. */
    public static String serviceId(String value) {
        return Validation.serviceId(value);
    }

    /** Any identifier under the service name's rules, named {@code field} in the message. */
    public static String identifier(String field, String value) {
        return Validation.identifier(field, value);
    }

    /** A protocol such as {@code http} or {@code ws}: letters, digits, {@code + - .}, starting with a letter. */
    public static String protocol(String value) {
        return Validation.protocol(value);
    }

    /**
     * Tags as an unmodifiable list in the given order with duplicates removed; each not blank,
     * at most {@value #MAX_NAME_LENGTH} characters, no control characters.
     */
    public static List<String> tags(Collection<String> tags) {
        return Validation.tags(tags);
    }
}
