package dev.naming.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SkippedSuitesTest {

    @Test
    void eachClassThatSkippedCasesGetsOneLineWithHowManyAndWhy(@TempDir Path root) throws Exception {
        Path reports = Files.createDirectories(root.resolve("integration-tests/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-a.ContainerTest.xml"), """
                <testsuite>
                  <testcase name="one" classname="a.ContainerTest"><skipped message="Docker is not available"/></testcase>
                  <testcase name="two" classname="a.ContainerTest"><skipped message="Docker is not available"/></testcase>
                </testsuite>""");
        Files.writeString(reports.resolve("TEST-a.MemoryTest.xml"), """
                <testsuite>
                  <testcase name="one" classname="a.MemoryTest"/>
                  <testcase name="two" classname="a.MemoryTest"><skipped type="org.opentest4j.TestAbortedException">\
                org.opentest4j.TestAbortedException: Assumption failed: cannot count the watch requests
                </skipped></testcase>
                </testsuite>""");
        Files.writeString(reports.resolve("TEST-a.QuietTest.xml"), """
                <testsuite><testcase name="one" classname="a.QuietTest"/></testsuite>""");

        assertEquals(List.of("skipped: ContainerTest, all 2 cases: Docker is not available",
                        "skipped: MemoryTest, 1 of 2 cases: cannot count the watch requests",
                        "skipped in all: 3 cases in 2 test classes (each listed above, with why)"),
                SkippedSuites.summary(SkippedSuites.reports(root, Instant.EPOCH)));
    }

    @Test
    void aClassSkippingForManyReasonsShowsTwoAndCountsTheRest(@TempDir Path root) throws Exception {
        Path reports = Files.createDirectories(root.resolve("m/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-a.FaultTest.xml"), """
                <testsuite>
                  <testcase name="a" classname="a.FaultTest"><skipped message="cannot inject A"/></testcase>
                  <testcase name="b" classname="a.FaultTest"><skipped message="cannot inject B"/></testcase>
                  <testcase name="c" classname="a.FaultTest"><skipped message="cannot inject C"/></testcase>
                  <testcase name="d" classname="a.FaultTest"><skipped message="cannot inject D"/></testcase>
                </testsuite>""");

        assertEquals("skipped: FaultTest, all 4 cases: cannot inject A | cannot inject B | 2 other reasons in its report",
                SkippedSuites.summary(SkippedSuites.reports(root, Instant.EPOCH)).get(0));
    }

    @Test
    void reportsOfAnEarlierBuildAreLeftOut(@TempDir Path root) throws Exception {
        Path reports = Files.createDirectories(root.resolve("m/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-a.OldTest.xml"), """
                <testsuite><testcase name="one" classname="a.OldTest"><skipped message="old"/></testcase></testsuite>""");

        assertEquals(List.of(), SkippedSuites.reports(root, Instant.now().plusSeconds(60)));
    }
}
