package dev.naming.tck;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Copies what is written to {@code System.err} while open, still passing it through, and what
 * {@code java.util.logging} publishes meanwhile. The stream catches a logging set-up that looks
 * {@code System.err} up as it writes (slf4j-simple, Logback's console appender); the second catches
 * the library's fallback without an SLF4J provider, {@code java.util.logging}, whose console handler
 * keeps the {@code System.err} it found when it was made, before this capture: see
 * {@link RegistryFixture}, "Threads and logs". A line can thus appear twice in {@link #text()}.
 */
final class StandardErrorCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
    private final Handler records = new Handler() {
        private final Formatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            byte[] line = format.format(record).getBytes(StandardCharsets.UTF_8);
            synchronized (copy) {
                copy.write(line, 0, line.length);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    StandardErrorCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        Logger.getLogger("").addHandler(records);
    }

    /** Everything written so far. */
    String text() {
        synchronized (copy) {
            return copy.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(records);
        System.setErr(original);
    }
}
