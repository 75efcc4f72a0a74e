package dev.naming.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.naming.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file format of the stored lists, and their files. */
class SnapshotsTest {

    private static final Instant AT = Instant.parse("2026-12-07T21:00:00.123Z");
    private static final List<ServiceInstance> LIST = List.of(
            new ServiceInstance("chat-1", "chat.logic", "10.0.0.1", 8080, "grpc", List.of("gate", "zone a,b"),
                    Map.of("weight", "10", "odd key=&%", "value with spaces & = , % é")),
            new ServiceInstance("chat-2", "chat.logic", "fe80::1", 9090, "http", List.of(), Map.of()));

    @TempDir
    Path dir;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aListIsReadBackAsItWasWritten() {
        Snapshots.Stored stored = Snapshots.decode("consul", "chat.logic",
                Snapshots.encode("consul", "chat.logic", LIST, AT));
        assertEquals(LIST, stored.instances());
        assertEquals(AT, stored.confirmed());
    }

    @Test
    void anEmptyListIsAList() {
        Snapshots.Stored stored = Snapshots.decode("consul", "chat.logic",
                Snapshots.encode("consul", "chat.logic", List.of(), AT));
        assertEquals(List.of(), stored.instances());
    }

    @Test
    void aDamagedOrPartialFileIsRefusedByItsChecksum() {
        byte[] bytes = Snapshots.encode("consul", "chat.logic", LIST, AT);
        byte[] damaged = bytes.clone();
        damaged[40] ^= 1;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Snapshots.decode("consul", "chat.logic", damaged))
                .getMessage().contains("checksum"));
        for (int cut : new int[] {bytes.length - 2, bytes.length - 12, bytes.length / 2, 20}) {
            byte[] partial = Arrays.copyOf(bytes, cut);
            assertThrows(IllegalArgumentException.class, () -> Snapshots.decode("consul", "chat.logic", partial),
                    "cut at " + cut);
        }
    }

    @Test
    void aForeignFileIsRefusedSayingWhy() {
        byte[] bytes = Snapshots.encode("consul", "chat.logic", LIST, AT);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Snapshots.decode("consul", "chat.gate", bytes))
                .getMessage().contains("service 'chat.logic'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Snapshots.decode("discovery", "chat.logic", bytes))
                .getMessage().contains("written for consul"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Snapshots.decode("consul", "chat.logic", "{\"json\": true}".getBytes(StandardCharsets.UTF_8)))
                .getMessage().contains("not a snapshot"));
        String nextVersion = new String(bytes, StandardCharsets.UTF_8).replaceFirst("naming-snapshot 1", "naming-snapshot 2");
        byte[] content = nextVersion.substring(0, nextVersion.indexOf("crc32 ")).getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(content);
        byte[] v2 = (new String(content, StandardCharsets.UTF_8) + "crc32 " + Long.toHexString(crc.getValue()) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Snapshots.decode("consul", "chat.logic", v2))
                .getMessage().contains("format version 2"));
    }

    @Test
    void everyServiceHasAFileOfItsOwnInsideTheDirectory() {
        Snapshots snapshots = new Snapshots(dir, "consul", timer);
        List<String> names = List.of("chat.logic", "chat/logic", "chat:logic", "..", "../../etc/passwd", "a".repeat(256),
                "a".repeat(255) + "b", "聊天");
        java.util.Set<Path> files = new java.util.HashSet<>();
        for (String name : names) {
            Path file = snapshots.file(name);
            assertEquals(dir, file.getParent(), name);
            assertTrue(file.getFileName().toString().matches("[A-Za-z0-9._-]{1,100}\\.snapshot"), file.toString());
            assertTrue(files.add(file), "two services share " + file);
        }
        snapshots.close();
    }

    @Test
    void aStoredListIsWrittenAtOnceAndABurstAtMostOnceASecondAfter() throws Exception {
        Snapshots snapshots = new Snapshots(dir, "consul", timer);
        for (int i = 0; i < 50; i++) {
            snapshots.store("chat.logic", LIST.subList(0, i % 2 + 1), AT.plusSeconds(i), true);
        }
        // the first is written at once (or, if the burst ends first, the last alone), the last within a second more
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> Files.exists(snapshots.file("chat.logic"))
                        && AT.plusSeconds(49).equals(Snapshots.decode("consul", "chat.logic",
                                Files.readAllBytes(snapshots.file("chat.logic"))).confirmed()));
        assertEquals(LIST, snapshots.read("chat.logic").instances());
        // a temporary file never stays behind
        try (var files = Files.list(dir)) {
            assertEquals(List.of(snapshots.file("chat.logic")), files.toList());
        }
        snapshots.close();
        assertTrue(snapshots.writes.get() <= 2, snapshots.writes.get() + " writes");
    }

    @Test
    void aConfirmationAloneWaitsItsIntervalAndAChangeAfterItDoesNot() {
        Snapshots snapshots = new Snapshots(dir, "consul", timer);
        snapshots.store("chat.logic", LIST, AT, true);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> snapshots.writes.get() == 1);
        snapshots.store("chat.logic", LIST, AT.plusSeconds(30), false); // due a minute after the first write
        snapshots.store("chat.logic", LIST.subList(0, 1), AT.plusSeconds(31), true); // due a second after it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> snapshots.writes.get() == 2);
        assertEquals(AT.plusSeconds(31), snapshots.read("chat.logic").confirmed());
        snapshots.close();
    }

    @Test
    void closeWritesWhatIsPending() {
        Snapshots snapshots = new Snapshots(dir, "consul", timer);
        snapshots.store("chat.logic", LIST, AT, true);
        snapshots.store("chat.logic", LIST.subList(0, 1), AT.plusSeconds(1), true); // waits for its second
        snapshots.close();
        Snapshots again = new Snapshots(dir, "consul", timer);
        assertEquals(LIST.subList(0, 1), again.read("chat.logic").instances());
        again.close();
    }

    @Test
    void aMissingDamagedOrForeignFileIsIgnoredWithOneWarning() throws Exception {
        Snapshots snapshots = new Snapshots(dir, "consul", timer);
        try (LogCapture log = new LogCapture()) {
            assertNull(snapshots.read("chat.logic"));
            assertEquals(1, log.lines("no snapshot of 'chat.logic'").size());
            Files.write(snapshots.file("chat.logic"), "garbage".getBytes(StandardCharsets.UTF_8));
            assertNull(snapshots.read("chat.logic"));
            Files.write(snapshots.file("chat.logic"), Snapshots.encode("consul", "chat.gate", LIST, AT));
            assertNull(snapshots.read("chat.logic"));
            List<String> warnings = log.lines("ignoring the snapshot of 'chat.logic'");
            assertEquals(2, warnings.size(), warnings::toString);
            assertTrue(warnings.get(0).contains("not a snapshot file"), warnings.get(0));
            assertTrue(warnings.get(1).contains(snapshots.file("chat.logic").toString()), warnings.get(1));
        }
        snapshots.close();
    }

    @Test
    void aWriteThatFailsIsLoggedOnceAndNothingElseBreaks() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        Snapshots snapshots = new Snapshots(notADirectory, "consul", timer);
        try (LogCapture log = new LogCapture()) {
            snapshots.store("a", LIST, AT, true);
            snapshots.store("b", LIST, AT, true);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> !log.lines("could not write the snapshot").isEmpty());
            snapshots.close();
            assertEquals(1, log.lines("could not write the snapshot").size());
        }
        assertNotEquals(0, Files.size(notADirectory));
    }
}
