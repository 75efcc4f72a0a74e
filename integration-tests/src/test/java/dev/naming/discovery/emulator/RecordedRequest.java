package dev.naming.discovery.emulator;

import java.util.List;
import java.util.Map;

/**
 * One request an emulator node received.
 *
 * @param method     HTTP method
 * @param call       the path below {@code /discovery/}, e.g. {@code polls}
 * @param query      the raw query string, or empty
 * @param body       the raw body, or empty
 * @param params     query and (for a form POST) body parameters, each key with its values in order
 * @param contentType the Content-Type header, or {@code null}
 * @param clientPort the client's port: one value per TCP connection
 */
public record RecordedRequest(String method, String call, String query, String body,
                              Map<String, List<String>> params, String contentType, int clientPort) {

    public List<String> all(String key) {
        return params.getOrDefault(key, List.of());
    }

    public String first(String key) {
        List<String> v = all(key);
        return v.isEmpty() ? null : v.get(0);
    }
}
