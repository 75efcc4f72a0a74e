package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.util.logging.ConsoleHandler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class StandardErrorCaptureTest {

    @Test
    void copiesWhatIsWrittenWhileOpenAndRestoresTheStreamOnClose() {
        PrintStream original = System.err;
        try (StandardErrorCapture capture = new StandardErrorCapture()) {
            System.err.print("one ");
            System.err.write('2');
            System.err.println(" three");
            assertEquals("one 2 three" + System.lineSeparator(), capture.text());
        }
        assertSame(original, System.err);
    }

    @Test
    void seesJavaUtilLoggingWhoseConsoleHandlerHoldsTheStreamFromBefore() {
        // the library's fallback without an SLF4J provider: a console handler made before the capture
        Logger logger = Logger.getLogger("dev.naming.tck.capture-test");
        ConsoleHandler console = new ConsoleHandler();
        logger.addHandler(console);
        try (StandardErrorCapture capture = new StandardErrorCapture()) {
            logger.warning("a line the console handler writes to the stream it held");
            assertTrue(capture.text().contains("a line the console handler writes to the stream it held"),
                    capture.text());
        } finally {
            logger.removeHandler(console);
        }
    }
}
