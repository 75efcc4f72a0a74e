package dev.naming.consul;

import com.ecwid.consul.v1.ConsulClient;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.consul.ConsulContainer;

/**
 * A real Consul agent ({@code agent -dev} in a container) shared by the tests of a class. An
 * outage is the container paused (connections hang, as with a frozen or partitioned agent); a
 * state loss is every service deregistered behind the library's back through a second client
 * (consul-api), which is what an agent restarted without its data shows.
 */
final class ConsulContainerFixture extends ConsulAgentFixture {

    private final ConsulContainer container;
    private boolean paused;

    ConsulContainerFixture(ConsulContainer container) {
        super("consul://" + container.getHost() + ":" + container.getMappedPort(8500));
        this.container = container;
    }

    @Override
    public boolean supportsOutage() {
        return true;
    }

    @Override
    public synchronized void setReachable(boolean reachable) {
        if (reachable == !paused) {
            return;
        }
        var docker = DockerClientFactory.instance().client();
        if (reachable) {
            docker.unpauseContainerCmd(container.getContainerId()).exec();
        } else {
            docker.pauseContainerCmd(container.getContainerId()).exec();
        }
        paused = !reachable;
    }

    @Override
    public boolean supportsStateLoss() {
        return true;
    }

    @Override
    public void loseState() {
        ConsulClient agent = new ConsulClient(container.getHost(), container.getMappedPort(8500));
        for (String id : agent.getAgentServices().getValue().keySet()) {
            if (!"consul".equals(id)) {
                agent.agentServiceDeregister(id);
            }
        }
    }

    /**
     * An outage (the container paused, so every watch fails at its read timeout) that ends with the
     * agent's services gone, as a dev agent restarted without its data would show them. A real
     * container restart would also reset the index, but Docker may give the agent another host
     * port on restart, which the {@code Naming}s under test could not follow.
     */
    @Override
    public void restartWithStateLoss() {
        setReachable(false);
        try {
            // past the blocking read timeout (wait 2 s + 2/16 s + the 5 s margin): every watch failed
            Thread.sleep(Duration.ofSeconds(8).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        setReachable(true);
        loseState();
    }

    @Override
    public void close() {
        setReachable(true);
        // the container belongs to the test class
    }
}
