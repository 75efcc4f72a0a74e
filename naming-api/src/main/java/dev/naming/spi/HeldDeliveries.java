package dev.naming.spi;

import java.util.List;

/**
 * Listener calls that a reading thread's reports started on the {@code Naming}'s dispatcher,
 * held back by {@link WatchSink#holdDeliveries} until the thread has handed its reading on.
 *
 * <p>Why: a thread that reads replies for many watches must not run a listener that may block
 * (the dispatcher exists so that such a listener delays only its own subscription), and a hand-off
 * to the dispatcher puts a second thread's wake-up between the reply and the listener. A backend
 * whose reading can move from thread to thread (a standby thread takes the selector over: the
 * leader/followers pattern, as Jetty's "eat what you kill") holds the calls while it reads, wakes
 * the standby, and runs the first held call on the thread that read the reply ({@link #runHere()}):
 * the wake-up then happens beside the listener instead of before it. One with no thread to hand
 * its reading to starts them on the dispatcher as usual ({@link #dispatch()}).
 *
 * <p>Exactly one of the two is called, once.
 */
public final class HeldDeliveries {

    static final HeldDeliveries NONE = new HeldDeliveries(List.of());

    private final List<HubSubscription> subscriptions;

    HeldDeliveries(List<HubSubscription> subscriptions) {
        this.subscriptions = subscriptions;
    }

    /** Whether no listener call was held: nothing to hand the reading on for. */
    public boolean isEmpty() {
        return subscriptions.isEmpty();
    }

    /**
     * Starts the held calls from a thread that no longer reads for anyone: every one but the first
     * on its dispatcher, then the first on this thread (unless that subscription's listener is
     * running elsewhere already, which then delivers the list itself). Returns when this thread's
     * call does; a listener that blocks holds this thread only.
     */
    public void runHere() {
        for (int i = 1; i < subscriptions.size(); i++) {
            subscriptions.get(i).scheduleDrain();
        }
        if (!subscriptions.isEmpty()) {
            subscriptions.get(0).drainHere();
        }
    }

    /** Starts every held call on its dispatcher, as if none had been held. */
    public void dispatch() {
        for (HubSubscription s : subscriptions) {
            s.scheduleDrain();
        }
    }

    @Override
    public String toString() {
        return "HeldDeliveries" + subscriptions;
    }
}
