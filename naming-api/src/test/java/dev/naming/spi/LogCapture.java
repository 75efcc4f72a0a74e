package dev.naming.spi;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The lines the library logs while this is open: this module's tests log through slf4j-simple,
 * which writes to whatever {@link System#err} is at each line; they still reach the real one.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream previous = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    LogCapture() {
        OutputStream both = new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                previous.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                previous.write(b, off, len);
            }
        };
        System.setErr(new PrintStream(both, true, StandardCharsets.UTF_8));
    }

    /** The lines logged so far that contain {@code text}. */
    List<String> lines(String text) {
        return Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\\R")).filter(line -> line.contains(text)).toList();
    }

    @Override
    public void close() {
        System.setErr(previous);
    }
}
