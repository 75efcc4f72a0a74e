package dev.naming.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.PrintStream;
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
}
