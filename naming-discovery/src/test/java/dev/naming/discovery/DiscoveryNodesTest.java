package dev.naming.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class DiscoveryNodesTest {

    @Test
    void aFailedNodeHandsOverToTheNextAndBackAround() {
        DiscoveryNodes nodes = new DiscoveryNodes(List.of("http://a:1", "http://b:1"));
        assertEquals("http://a:1", nodes.current());
        nodes.failed("http://a:1");
        assertEquals("http://b:1", nodes.current());
        nodes.failed("http://a:1"); // a stale report about a node no longer current changes nothing
        assertEquals("http://b:1", nodes.current());
        nodes.failed("http://b:1");
        assertEquals("http://a:1", nodes.current());
    }

    @Test
    void learntNodesComeFirstLostOnesLastAndTheCurrentOneStays() {
        DiscoveryNodes nodes = new DiscoveryNodes(List.of("http://a:1", "http://b:1"));
        nodes.failed("http://a:1");
        nodes.learn(List.of("http://c:1", "http://b:1"), List.of("http://a:1"));
        assertEquals(List.of("http://c:1", "http://b:1", "http://a:1"), nodes.all());
        assertEquals("http://b:1", nodes.current());
    }

    @Test
    void anEmptyReportKeepsTheList() {
        DiscoveryNodes nodes = new DiscoveryNodes(List.of("http://a:1"));
        nodes.learn(List.of(), List.of("http://a:1"));
        assertEquals(List.of("http://a:1"), nodes.all());
    }
}
