package dev.naming.discovery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Parameters in {@code application/x-www-form-urlencoded} form, used both as a POST body and as a
 * GET query. A list is its key repeated ({@code appid=a&appid=b}): the server never splits values
 * on commas. Every key and value is encoded, so nothing a caller passes can change the path.
 */
final class FormBody {

    private final StringBuilder encoded = new StringBuilder();
    private int count;

    FormBody add(String key, String value) {
        if (encoded.length() > 0) {
            encoded.append('&');
        }
        encoded.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        count++;
        return this;
    }

    /** Adds the pair unless {@code value} is empty (optional parameters). */
    FormBody addIfPresent(String key, String value) {
        return value == null || value.isEmpty() ? this : add(key, value);
    }

    int size() {
        return count;
    }

    String encoded() {
        return encoded.toString();
    }

    @Override
    public String toString() {
        return encoded();
    }
}
