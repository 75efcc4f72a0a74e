package dev.naming.balance;

import dev.naming.ServiceInstance;

/**
 * The instances one pick chooses among (all available ones, or one side of a zone split), with the
 * weights they had when the view was built and the structure the balancer's policy built for them.
 * Immutable.
 */
final class Group {

    final ServiceInstance[] instances;
    final Member[] members;
    /** Weights with slow start applied, in twentieths of the instance's weight. */
    final long[] weights;
    final boolean equalWeights;
    /** What the policy built: a smooth sequence, an alias table, a rendezvous table. */
    final Object policy;

    Group(Member[] members, long[] weights, Balancer balancer) {
        this.members = members;
        this.weights = weights;
        this.instances = new ServiceInstance[members.length];
        boolean equal = true;
        for (int i = 0; i < members.length; i++) {
            instances[i] = members[i].instance;
            equal &= weights[i] == weights[0];
        }
        this.equalWeights = equal;
        this.policy = members.length == 0 ? null : balancer.policy(this);
    }

    int size() {
        return members.length;
    }
}
