package dev.naming.discovery.emulator;

import java.util.List;
import java.util.Map;

/** An instance as an emulator node stores it, for assertions. */
public record StoredInstance(String env, String zone, String appid, String hostname, List<String> addrs,
                             Map<String, String> metadata, int status, long latestTimestamp) {
}
