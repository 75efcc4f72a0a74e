package dev.naming.balance;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An instance's count of open leases, alone on its cache line. Every least-request pick writes one
 * of these and reads two: were the counters of neighbouring instances on one line (objects allocated
 * one after the other are), threads picking different instances would still take that line from each
 * other's cores. The padding classes put 64 bytes on both sides of the value: the JVM lays out a
 * superclass's fields before a subclass's (filling gaps, see {@link InFlightPadding}).
 */
final class InFlight extends InFlightValue {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(InFlightValue.class, "value", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

    int get() {
        return value;
    }

    void increment() {
        VALUE.getAndAdd(this, 1);
    }

    void decrement() {
        VALUE.getAndAdd(this, -1);
    }
}

/**
 * The padding before {@link InFlight}'s value. The int fills the four bytes after a compressed
 * object header: left empty, the JVM (since 15) puts the subclass's int there, right after the header
 * and next to whatever object was allocated before (measured: offset 12 without it, 80 with it).
 */
abstract class InFlightPadding {
    @SuppressWarnings("unused")
    private int gap;
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** {@link InFlight}'s value, between its paddings. */
abstract class InFlightValue extends InFlightPadding {
    volatile int value;
}
