package dev.naming.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Input checks behind the API's values and the SPI; code outside naming-api reaches the ones it needs
 * through {@code dev.naming.spi.InputChecks}. Each failure is an {@link IllegalArgumentException}
 * whose message starts with the field's name, thrown before any request is sent.
 */
public final class Validation {

    /** The longest service name or id accepted, in characters. */
    public static final int MAX_NAME_LENGTH = 256;

    private Validation() {
    }

    /** A service name: not blank, at most {@value #MAX_NAME_LENGTH} characters, no control characters. */
    public static String serviceName(String value) {
        return identifier("name", value);
    }

    /** A service id: same rules as a service name. */
    public static String serviceId(String value) {
        return identifier("id", value);
    }

    /** A non-blank, bounded identifier without control characters. */
    public static String identifier(String field, String value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        if (value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    field + " must be at most " + MAX_NAME_LENGTH + " characters, was " + value.length());
        }
        noControlCharacters(field, value);
        return value;
    }

    /** A port in 1–65535. */
    public static int port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1-65535, was " + port);
        }
        return port;
    }

    /** A host name or IP literal: not blank, no white space or control characters. */
    public static String address(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("address must not be blank");
        }
        if (value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("address must be at most " + MAX_NAME_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i)) || Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException("address must not contain white space or control characters");
            }
        }
        return value;
    }

    /** A protocol such as {@code http} or {@code ws}: letters, digits, {@code + - .}, starting with a letter. */
    public static String protocol(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("protocol must not be blank");
        }
        if (value.length() > 32 || !isScheme(value)) {
            throw new IllegalArgumentException(
                    "protocol must be a URI scheme (letter, then letters, digits, '+', '-', '.'; at most 32), was '"
                            + value + "'");
        }
        return value;
    }

    /**
     * Tags as an unmodifiable list in the given order with duplicates removed; each not blank,
     * at most {@value #MAX_NAME_LENGTH} characters, no control characters.
     */
    public static List<String> tags(Collection<String> tags) {
        if (tags == null) {
            throw new IllegalArgumentException("tags must not be null");
        }
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String tag : tags) {
            identifier("tags", tag);
            unique.add(tag);
        }
        return Collections.unmodifiableList(new ArrayList<>(unique));
    }

    /** {@link #tags(Collection)} for varargs. */
    public static List<String> tags(String... tags) {
        if (tags == null) {
            throw new IllegalArgumentException("tags must not be null");
        }
        if (tags.length == 0) {
            return List.of();
        }
        return tags(java.util.Arrays.asList(tags));
    }

    /**
     * Meta as an unmodifiable map sorted by key: keys not blank, no null values, no control
     * characters in keys. Backends add their own limits.
     */
    public static SortedMap<String, String> meta(Map<String, String> meta) {
        if (meta == null) {
            throw new IllegalArgumentException("meta must not be null");
        }
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String key = e.getKey();
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("meta key must not be blank");
            }
            noControlCharacters("meta key", key);
            if (e.getValue() == null) {
                throw new IllegalArgumentException("meta value of '" + key + "' must not be null");
            }
            copy.put(key, e.getValue());
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    /** A strictly positive duration. */
    public static Duration positive(String field, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + Durations.text(value));
        }
        return value;
    }

    /** A zero or positive duration. */
    public static Duration notNegative(String field, Duration value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, was " + Durations.text(value));
        }
        return value;
    }

    /** A non-null reference. */
    public static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    /**
     * {@code [A-Za-z][A-Za-z0-9+.-]*}, checked by hand: every instance a watch reads is checked, and
     * {@code String.matches} compiles its pattern on each call.
     */
    private static boolean isScheme(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-'))) {
                return false;
            }
        }
        return true;
    }

    private static void noControlCharacters(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException(field + " must not contain control characters");
            }
        }
    }
}
