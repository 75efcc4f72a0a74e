package dev.naming.spi;

import dev.naming.NamingUri;
import dev.naming.internal.Durations;
import dev.naming.internal.Validation;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One URI parameter of a backend, declared once: its name, type, default, the environment
 * variable that supplies it when the URI does not, whether it is a secret, and what it does.
 * A backend lists its parameters in {@link UriParameters}, which parses URIs with them, rejects
 * unknown ones, redacts secrets and writes the table the README shows.
 *
 * @param <T> the parsed type
 */
public final class UriParameter<T> {

    /** The default of {@link #maxReply()}: 32 MiB (its description says why). */
    public static final long DEFAULT_MAX_REPLY = 32L << 20;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*(kib|mib|gib)?");
    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private final String name;
    private final String type;
    private final T defaultValue;
    private final String defaultText;
    /** Whether {@link #defaultText} is words rather than a value a URI could hold. */
    private final boolean defaultInWords;
    private final String env;
    private final boolean secret;
    private final String description;
    private final Function<String, T> parser;

    private UriParameter(String name, String type, T defaultValue, String defaultText, boolean defaultInWords,
                         String env, boolean secret, String description, Function<String, T> parser) {
        this.name = Validation.identifier("name", name);
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.defaultInWords = defaultInWords;
        this.env = env;
        this.secret = secret;
        this.description = Objects.requireNonNull(description, "description");
        this.parser = parser;
    }

    /** A duration such as {@code 55s}, {@code 500ms}, {@code 2m}; {@code null} default for none. */
    public static UriParameter<Duration> duration(String name, Duration defaultValue, String description) {
        return new UriParameter<>(name, "duration", defaultValue, defaultValue == null ? "" : format(defaultValue),
                false, null, false, description, v -> NamingUri.parseDuration(name, v));
    }

    /** As {@link #duration}, refusing zero: an interval, a pause or a timeout that must pass. */
    public static UriParameter<Duration> positiveDuration(String name, Duration defaultValue, String description) {
        return checkedDuration(name, defaultValue, description, d -> Validation.positive(name, d));
    }

    /** As {@link #duration}, within {@code min}–{@code max} (both included; the description says why). */
    public static UriParameter<Duration> duration(String name, Duration defaultValue, Duration min, Duration max,
                                                  String description) {
        return checkedDuration(name, defaultValue, description, d -> {
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be within " + formatDuration(min) + "-"
                        + formatDuration(max) + ", was " + formatDuration(d));
            }
            return d;
        });
    }

    private static UriParameter<Duration> checkedDuration(String name, Duration defaultValue, String description,
                                                          UnaryOperator<Duration> check) {
        return new UriParameter<>(name, "duration", defaultValue, defaultValue == null ? "" : format(defaultValue),
                false, null, false, description, v -> check.apply(NamingUri.parseDuration(name, v)));
    }

    /** Free text, trimmed; a blank value counts as not given. */
    public static UriParameter<String> text(String name, String defaultValue, String description) {
        return new UriParameter<>(name, "text", defaultValue, defaultValue == null ? "" : defaultValue, false, null, false,
                description, String::trim);
    }

    /** {@code true/false/1/0/yes/no}. */
    public static UriParameter<Boolean> bool(String name, boolean defaultValue, String description) {
        return new UriParameter<>(name, "boolean", defaultValue, Boolean.toString(defaultValue), false, null, false,
                description, v -> parseBoolean(name, v));
    }

    /**
     * The grace window through a registry's state loss, shared by every backend: how long removals
     * are held back from subscriptions and {@code find} after the registry shows a sign of having
     * forgotten, while owners register again. Zero turns the hold off.
     */
    public static UriParameter<Duration> stateLossGrace(Duration defaultValue, String why) {
        return duration("grace", defaultValue, "after a sign that the registry lost its state, removals are "
                + "held back this long while owners register again (0: off); " + why);
    }

    /**
     * A size in bytes, written {@code 32MiB}, {@code 512KiB}, {@code 1GiB} (binary units, any case)
     * or as plain bytes ({@code 1048576}); {@code null} default for none.
     */
    public static UriParameter<Long> byteSize(String name, Long defaultValue, String description) {
        return new UriParameter<>(name, "size", defaultValue, defaultValue == null ? "" : formatSize(defaultValue),
                false, null, false, description, v -> parseSize(name, v));
    }

    /**
     * The largest reply body a network backend reads from its registry, shared by every such backend
     * (one name, one default: {@value #DEFAULT_MAX_REPLY} bytes). A reply declaring or reaching more
     * fails that one request without the rest being read; at least 1 byte.
     */
    public static UriParameter<Long> maxReply() {
        String name = "maxReply";
        return new UriParameter<>(name, "size", DEFAULT_MAX_REPLY, formatSize(DEFAULT_MAX_REPLY), false, null, false,
                "largest reply body read from the registry (bytes, or with KiB, MiB, GiB); a larger one fails that "
                        + "request unread, retried with backoff as any failure. 32 MiB is tens of thousands of "
                        + "instances of one service, far above a real reply, and bounds what a broken server, a proxy "
                        + "or a man in the middle can make the client buffer",
                v -> {
                    long size = parseSize(name, v);
                    if (size < 1) {
                        throw new IllegalArgumentException(name + " must be at least 1 byte, was '" + v + "'");
                    }
                    return size;
                });
    }

    /**
     * The directory where a {@code Naming} keeps each watched service's last confirmed list, shared
     * by every backend; none by default. See the README's "Starting while the registry is down".
     */
    public static UriParameter<java.nio.file.Path> snapshot() {
        String name = "snapshot";
        return new UriParameter<>(name, "path", null, "", false, null, false,
                "directory where each watched service's last confirmed list is kept (one file per service, "
                        + "replaced at most once a second); when a subscription's first read fails or has not "
                        + "answered within 250 ms, the stored list is delivered until the registry answers",
                v -> {
                    try {
                        return java.nio.file.Path.of(v);
                    } catch (java.nio.file.InvalidPathException e) {
                        throw new IllegalArgumentException(name + " is not a path: '" + v + "' (" + e.getReason() + ")");
                    }
                });
    }

    /** The same parameter, read from {@code variable} when the URI does not give it. */
    public UriParameter<T> env(String variable) {
        return new UriParameter<>(name, type, defaultValue, defaultText, defaultInWords, variable, secret, description,
                parser);
    }

    /** The same parameter, never printed: {@code ****} in messages, logs and {@code toString()}. */
    public UriParameter<T> secret() {
        return new UriParameter<>(name, type, defaultValue, defaultText, defaultInWords, env, true, description, parser);
    }

    /** The same parameter, with the default described in words (a default computed at run time). */
    public UriParameter<T> defaultText(String text) {
        return new UriParameter<>(name, type, defaultValue, text, true, env, secret, description, parser);
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    /** The default, or {@code null} when there is none. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as the README shows it. */
    public String defaultText() {
        return defaultText;
    }

    /** Whether the default is described in words (computed at run time) rather than given as a value. */
    public boolean defaultInWords() {
        return defaultInWords;
    }

    /** The environment variable that supplies the value when the URI does not, or {@code null}. */
    public String envVariable() {
        return env;
    }

    public boolean isSecret() {
        return secret;
    }

    public String description() {
        return description;
    }

    /**
     * @throws IllegalArgumentException naming {@code source} (the parameter or variable) when malformed
     */
    T parse(String source, String value) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            if (source.equals(name)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static boolean parseBoolean(String name, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was '" + value + "'");
        };
    }

    private static long parseSize(String name, String value) {
        Matcher m = SIZE.matcher(value == null ? "" : value.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
                    case "kib" -> KIB;
                    case "mib" -> MIB;
                    default -> GIB;
                };
                return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
            } catch (ArithmeticException | NumberFormatException tooLarge) {
                // reported below with the field's name
            }
        }
        throw new IllegalArgumentException(name + " must be a size such as 32MiB, 512KiB or 1048576 (bytes), was '"
                + value + "'");
    }

    /**
     * A size as a URI would hold it, in the largest binary unit that divides it ({@code 32MiB},
     * {@code 1536KiB}, {@code 1000}): for errors that name a size limit as it was given.
     */
    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % GIB == 0) {
            return bytes / GIB + "GiB";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "MiB";
        }
        return bytes != 0 && bytes % KIB == 0 ? bytes / KIB + "KiB" : Long.toString(bytes);
    }

    private static String format(Duration d) {
        return d.isZero() ? "0" : formatDuration(d);
    }

    /**
     * A duration as a URI parameter and a person write it ({@code 500ms}, {@code 15s}, {@code 2m}),
     * never ISO-8601's {@code PT0.5S}: for messages of backends and tools.
     */
    public static String formatDuration(Duration d) {
        return Durations.text(d);
    }

    @Override
    public String toString() {
        return name;
    }
}
