package dev.naming.spi;

import dev.naming.ServiceInstance;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.zip.CRC32;
import org.slf4j.Logger;

/**
 * The last confirmed list of each watched service, kept on disk (the {@code snapshot} URI
 * parameter) so that a process started while its registry is down, or frozen, routes to the
 * servers it knew instead of to none.
 *
 * <p>One file per service in the directory, replaced atomically (written beside it, then moved
 * over it), at most once per {@link #MIN_INTERVAL} per service when its list changes (the newest
 * list of a burst is the one written), and once per {@link #CONFIRMATION_INTERVAL} when the
 * registry only confirms it (a blocking query or long poll ending unchanged: the stored
 * confirmation time stays at most that old). The format is text, versioned, with a CRC-32 of its content: a
 * missing, partial, corrupt or foreign file (another format, version, backend or service) is
 * ignored with one warning. Files are not synced to the device: a crash may lose the last write,
 * never leave a file that is read as valid but wrong.
 *
 * <p>Writes and reads run on one daemon thread, {@code naming-<backend>-snapshot}, started when
 * needed and ended after 30 s idle; {@link #close()} writes what is pending, for up to a second.
 */
final class Snapshots {

    private static final Logger LOG = NamingLoggers.get(Snapshots.class);
    /** Lists of one service are written at most this often. */
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /**
     * A list the registry only confirmed again is written at most this often: 1,000 watches whose
     * holds end every 30 s unchanged would otherwise rewrite 33 files a second to move a time.
     */
    static final Duration CONFIRMATION_INTERVAL = Duration.ofMinutes(1);
    /**
     * How long a subscription's first read may go unanswered before the stored list is delivered:
     * a registry that answers takes milliseconds, one that is frozen (or a network that drops
     * packets) would keep a gateway without servers for a whole read timeout.
     */
    static final Duration FIRST_READ_BOUND = Duration.ofMillis(250);
    /** A file larger than this is not read: far above any real list, it is not one of ours. */
    static final long MAX_FILE_BYTES = 64L << 20;
    static final String MAGIC = "naming-snapshot";
    static final int VERSION = 1;

    private final Path directory;
    private final String backend;
    private final ScheduledExecutorService timer;
    private final ThreadPoolExecutor io;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile boolean writeFailureLogged;
    private volatile boolean deliveryLogged;
    /** Files written, and stored lists asked for: for tests. */
    final AtomicInteger writes = new AtomicInteger(), loads = new AtomicInteger();

    /**
     * A service's file, the newest list not yet written (and whether it differs from the last
     * written), when the last write started and when the queued one is due.
     */
    private static final class Pending {
        final Path file;
        List<ServiceInstance> list;
        Instant confirmed;
        boolean changed;
        long lastWrite = Long.MIN_VALUE;
        /** When the queued write is due ({@link System#nanoTime()}); {@code Long.MAX_VALUE} for none. */
        long due = Long.MAX_VALUE;

        Pending(Path file) {
            this.file = file;
        }
    }

    Snapshots(Path directory, String backend, ScheduledExecutorService timer) {
        this.directory = directory;
        this.backend = backend;
        this.timer = timer;
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                NamingThreads.factory("naming-" + backend + "-snapshot", true));
        executor.allowCoreThreadTimeOut(true);
        this.io = executor;
    }

    /**
     * Keeps {@code list}, confirmed by the registry at {@code confirmed}, as the service's stored
     * list: written now, or {@link #MIN_INTERVAL} after the last write of the service when the list
     * {@code changed} since it was last written, else {@link #CONFIRMATION_INTERVAL} after it.
     */
    void store(String service, List<ServiceInstance> list, Instant confirmed, boolean changed) {
        Pending p = pending.computeIfAbsent(service, s -> new Pending(file(s)));
        long due;
        synchronized (p) {
            p.list = list;
            p.confirmed = confirmed;
            p.changed |= changed;
            long interval = (p.changed ? MIN_INTERVAL : CONFIRMATION_INTERVAL).toNanos();
            due = p.lastWrite == Long.MIN_VALUE ? System.nanoTime() : p.lastWrite + interval;
            if (p.due <= due) {
                return; // a write at least as early is queued: it takes the newest list
            }
            p.due = due; // a change came after a confirmation was queued: its earlier write replaces it
        }
        Runnable write = () -> write(service, p, due);
        try {
            long delay = due - System.nanoTime();
            if (delay <= 0) {
                io.execute(write);
            } else {
                timer.schedule(() -> submit(write), delay, TimeUnit.NANOSECONDS);
            }
        } catch (RejectedExecutionException closing) {
            // closing: close() writes what is pending
        }
    }

    private void submit(Runnable write) {
        try {
            io.execute(write);
        } catch (RejectedExecutionException closing) {
            // closing: close() writes what is pending
        }
    }

    /** The write queued for {@code due}, unless another replaced it; {@code Long.MIN_VALUE}: whatever is pending. */
    private void write(String service, Pending p, long due) {
        List<ServiceInstance> list;
        Instant confirmed;
        synchronized (p) {
            if (p.list == null || (due != Long.MIN_VALUE && due != p.due)) {
                return;
            }
            list = p.list;
            confirmed = p.confirmed;
            p.list = null; // the list is not kept here once written
            p.changed = false;
            p.due = Long.MAX_VALUE;
            p.lastWrite = System.nanoTime();
        }
        try {
            Files.createDirectories(directory);
            Path target = p.file;
            Path temporary = Files.createTempFile(directory, ".snapshot-", ".tmp");
            try {
                Files.write(temporary, encode(backend, service, list, confirmed));
                writes.incrementAndGet();
                try {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException | RuntimeException e) {
            // one warning per Naming: a full or read-only disk fails every write the same way
            if (!writeFailureLogged) {
                writeFailureLogged = true;
                LOG.warn("{} naming: could not write the snapshot of '{}' in {} (further failures are logged at"
                        + " debug): {}", backend, service, directory, e.toString());
            } else {
                LOG.debug("{} naming: could not write the snapshot of '{}': {}", backend, service, e.toString());
            }
        }
    }

    /**
     * Reads the stored list of {@code service} on the snapshot thread and gives it, with when the
     * registry confirmed it, to {@code found}; nothing when there is none that can be used (one
     * warning says why).
     */
    void load(String service, BiConsumer<List<ServiceInstance>, Instant> found) {
        loads.incrementAndGet();
        try {
            io.execute(() -> {
                Stored stored = read(service);
                if (stored != null) {
                    if (!deliveryLogged) {
                        deliveryLogged = true; // once per Naming: an outage at start concerns every watch
                        LOG.info("{} naming: the registry has not answered the first read of '{}' (and perhaps"
                                + " others): delivering the lists stored in {} until it does; '{}' was confirmed"
                                + " at {}", backend, service, directory, service, stored.confirmed());
                    }
                    found.accept(stored.instances(), stored.confirmed());
                }
            });
        } catch (RejectedExecutionException closing) {
            // closing: nothing to deliver to
        }
    }

    /** A stored list, with when the registry confirmed it. */
    record Stored(List<ServiceInstance> instances, Instant confirmed) {
    }

    /** The stored list of {@code service}, or {@code null} (logged once) when there is none that can be used. */
    Stored read(String service) {
        Path file = file(service);
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IOException("larger than " + UriParameter.formatSize(MAX_FILE_BYTES));
            }
            return decode(backend, service, Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            LOG.warn("{} naming: no snapshot of '{}' in {} yet: its first list comes from the registry", backend,
                    service, directory);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} naming: ignoring the snapshot of '{}' ({}): {}", backend, service, file, e.getMessage());
        }
        return null;
    }

    /**
     * The file of {@code service}: its name made safe for any file system (letters, digits, dot,
     * dash, underscore; at most 64 of them), and a hash of the whole name, so that two services
     * never share a file.
     */
    Path file(String service) {
        StringBuilder safe = new StringBuilder();
        for (int i = 0; i < service.length() && safe.length() < 64; i++) {
            char c = service.charAt(i);
            safe.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_' || (c == '.' && i > 0) ? c : '_');
        }
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(service.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        return directory.resolve(safe + "-" + HexFormat.of().formatHex(hash, 0, 8) + ".snapshot");
    }

    /** Writes what is pending, for up to a second, and stops the thread. */
    void close() {
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            submit(() -> write(e.getKey(), e.getValue(), Long.MIN_VALUE));
        }
        io.shutdown();
        try {
            if (!io.awaitTermination(1, TimeUnit.SECONDS)) {
                io.shutdownNow();
            }
        } catch (InterruptedException e) {
            io.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---- the format -----------------------------------------------------------------------------

    /*
     * naming-snapshot 1
     * backend consul
     * service chat.logic
     * confirmed 2026-12-07T21:00:00.123Z
     * instances 2
     * instance <id> <address> <port> <protocol> <tag,tag> <key=value&key=value>
     * ...
     * crc32 <hex of the bytes above, newlines included>
     *
     * Every value is URL-encoded (UTF-8): none holds a space, a comma, '&', '=' or a line break.
     */

    static byte[] encode(String backend, String service, List<ServiceInstance> list, Instant confirmed) {
        StringBuilder sb = new StringBuilder(64 + 96 * list.size());
        sb.append(MAGIC).append(' ').append(VERSION).append('\n')
                .append("backend ").append(enc(backend)).append('\n')
                .append("service ").append(enc(service)).append('\n')
                .append("confirmed ").append(confirmed).append('\n')
                .append("instances ").append(list.size()).append('\n');
        for (ServiceInstance i : list) {
            sb.append("instance ").append(enc(i.id())).append(' ').append(enc(i.address())).append(' ')
                    .append(i.port()).append(' ').append(enc(i.protocol())).append(' ');
            String sep = "";
            for (String tag : i.tags()) {
                sb.append(sep).append(enc(tag));
                sep = ",";
            }
            sb.append(' ');
            sep = "";
            for (Map.Entry<String, String> m : i.meta().entrySet()) {
                sb.append(sep).append(enc(m.getKey())).append('=').append(enc(m.getValue()));
                sep = "&";
            }
            sb.append('\n');
        }
        byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);
        String check = "crc32 " + Long.toHexString(crc(content, content.length)) + "\n";
        byte[] all = Arrays.copyOf(content, content.length + check.length());
        System.arraycopy(check.getBytes(StandardCharsets.US_ASCII), 0, all, content.length, check.length());
        return all;
    }

    /**
     * The list in {@code bytes}.
     *
     * @throws IllegalArgumentException saying what is wrong: not a snapshot, another version, another
     *     backend or service, a checksum that does not match (a partial or damaged file), a bad line
     */
    static Stored decode(String backend, String service, byte[] bytes) {
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\n') {
            end--;
        }
        int lastLine = lastIndexOf(bytes, (byte) '\n', end - 1) + 1;
        String header = new String(bytes, 0, Math.min(bytes.length, MAGIC.length() + 1), StandardCharsets.UTF_8);
        if (!header.equals(MAGIC + " ")) {
            throw new IllegalArgumentException("not a snapshot file");
        }
        String check = new String(bytes, lastLine, end - lastLine, StandardCharsets.UTF_8);
        if (!check.startsWith("crc32 ")
                || !check.substring(6).equals(Long.toHexString(crc(bytes, lastLine)))) {
            throw new IllegalArgumentException("its checksum does not match its content (a partial or damaged file)");
        }
        List<String> lines = List.of(new String(bytes, 0, lastLine, StandardCharsets.UTF_8).split("\n"));
        Map<String, String> fields = new LinkedHashMap<>();
        List<String> instanceLines = new ArrayList<>();
        for (String line : lines) {
            int space = line.indexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("a line without a value: '" + line + "'");
            }
            String key = line.substring(0, space);
            if (key.equals("instance")) {
                instanceLines.add(line.substring(space + 1));
            } else {
                fields.put(key, line.substring(space + 1));
            }
        }
        if (!String.valueOf(VERSION).equals(fields.get(MAGIC))) {
            throw new IllegalArgumentException("format version " + fields.get(MAGIC) + ", this library reads "
                    + VERSION);
        }
        if (!backend.equals(dec(fields.get("backend"))) || !service.equals(dec(fields.get("service")))) {
            throw new IllegalArgumentException("written for " + dec(fields.get("backend")) + " service '"
                    + dec(fields.get("service")) + "', not " + backend + " service '" + service + "'");
        }
        if (!String.valueOf(instanceLines.size()).equals(fields.get("instances"))) {
            throw new IllegalArgumentException(instanceLines.size() + " instances, the file says "
                    + fields.get("instances"));
        }
        Instant confirmed = Instant.parse(String.valueOf(fields.get("confirmed")));
        List<ServiceInstance> instances = new ArrayList<>(instanceLines.size());
        for (String line : instanceLines) {
            String[] f = line.split(" ", -1);
            if (f.length != 6) {
                throw new IllegalArgumentException("an instance line with " + f.length + " fields, not 6");
            }
            List<String> tags = new ArrayList<>();
            for (String tag : f[4].isEmpty() ? new String[0] : f[4].split(",")) {
                tags.add(dec(tag));
            }
            Map<String, String> meta = new LinkedHashMap<>();
            for (String pair : f[5].isEmpty() ? new String[0] : f[5].split("&")) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("a meta entry without '='");
                }
                meta.put(dec(pair.substring(0, eq)), dec(pair.substring(eq + 1)));
            }
            instances.add(new ServiceInstance(dec(f[0]), service, dec(f[1]), Integer.parseInt(f[2]), dec(f[3]),
                    tags, meta));
        }
        return new Stored(List.copyOf(instances), confirmed);
    }

    private static int lastIndexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String dec(String value) {
        if (value == null) {
            throw new IllegalArgumentException("a required line is missing");
        }
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }
}
