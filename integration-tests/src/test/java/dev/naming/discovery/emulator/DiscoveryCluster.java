package dev.naming.discovery.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Several emulator nodes of one zone sharing a clock, each configured with every node (the
 * server's {@code nodes} setting), replicating client writes to the others as the server does.
 */
public final class DiscoveryCluster implements AutoCloseable {

    private final EmulatorClock clock = new EmulatorClock();
    private final List<DiscoveryEmulator> nodes = new ArrayList<>();

    public static DiscoveryCluster start(int size) {
        return start(size, DiscoveryEmulator.DEFAULT_ENV);
    }

    /** Nodes whose {@code DEPLOY_ENV} is {@code deployEnv}: their own instances are there. */
    public static DiscoveryCluster start(int size, String deployEnv) {
        return new DiscoveryCluster(size, deployEnv);
    }

    private DiscoveryCluster(int size, String deployEnv) {
        for (int i = 0; i < size; i++) {
            nodes.add(new DiscoveryEmulator(clock, "sh001", deployEnv));
        }
        nodes.forEach(n -> n.cluster(nodes));
        nodes.forEach(DiscoveryEmulator::regSelf); // each node's New: regSelf, replicated to the others
    }

    public DiscoveryEmulator node(int i) {
        return nodes.get(i);
    }

    public List<DiscoveryEmulator> nodes() {
        return List.copyOf(nodes);
    }

    public EmulatorClock clock() {
        return clock;
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,…} for a {@code discovery://} URI. */
    public String authority() {
        return nodes.stream().map(DiscoveryEmulator::address).collect(Collectors.joining(","));
    }

    public DiscoveryCluster hold(Duration hold) {
        nodes.forEach(n -> n.hold(hold));
        return this;
    }

    public DiscoveryCluster idleTimeout(Duration timeout) {
        nodes.forEach(n -> n.idleTimeout(timeout));
        return this;
    }

    public void down() {
        nodes.forEach(DiscoveryEmulator::down);
    }

    public void up() {
        nodes.forEach(DiscoveryEmulator::up);
    }

    public void protect(boolean on) {
        nodes.forEach(n -> n.protect(on));
    }

    public void malformed(boolean on) {
        nodes.forEach(n -> n.malformed(on));
    }

    public void serverError(boolean on) {
        nodes.forEach(n -> n.serverError(on));
    }

    public void httpStatus(int status) {
        nodes.forEach(n -> n.httpStatus(status));
    }

    public void stallBodies(boolean on) {
        nodes.forEach(n -> n.stallBodies(on));
    }

    public void slow(Duration delay) {
        nodes.forEach(n -> n.slow(delay));
    }

    /** Every request every node received. */
    public java.util.List<RecordedRequest> requests() {
        java.util.List<RecordedRequest> all = new ArrayList<>();
        nodes.forEach(n -> all.addAll(n.requests()));
        return all;
    }

    /**
     * Every node's process restarts at once and forgets everything; each then copies from the
     * others, which have nothing: the cluster lost its state.
     */
    public void restart() {
        restart(Duration.ZERO);
    }

    /**
     * As {@link #restart()} with the server's {@code enableProtect}: no node can copy from another
     * (they are all protected), so reads answer -500 on every node for {@code protectFor}.
     */
    public void restart(Duration protectFor) {
        nodes.forEach(n -> n.stopProcess(protectFor));
        nodes.forEach(DiscoveryEmulator::startProcess);
    }

    /** Every node evicts every instance. */
    public void evictAll() {
        nodes.forEach(DiscoveryEmulator::evictAll);
    }

    public void clearRequests() {
        nodes.forEach(DiscoveryEmulator::clearRequests);
    }

    @Override
    public void close() {
        nodes.forEach(DiscoveryEmulator::close);
    }
}
