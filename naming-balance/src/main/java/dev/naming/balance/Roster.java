package dev.naming.balance;

import dev.naming.ServiceInstance;
import dev.naming.spi.NamingLoggers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * A balancer's record of the listed instances and what happened to them: weights and zones read
 * from their meta, ejections and returns, slow starts. It builds the {@link Snapshot}s that picks
 * read. Not thread-safe: its balancer calls it under its lock.
 */
final class Roster {

    /** The meta key an instance's weight is read from (as discovery's and kratos' instances carry it). */
    static final String WEIGHT_KEY = "weight";
    /** The meta key an instance's zone is read from. */
    static final String ZONE_KEY = "zone";
    /** The largest weight read; larger values are bad values. */
    static final long MAX_WEIGHT = 1_000_000;
    /** Slow start's steps: a weight ramps in twentieths. */
    static final int STEPS = 20;
    /** Envoy's {@code min_weight_percent} default: a new instance starts at 10 % (2 twentieths). */
    private static final int FIRST_STEP = 2;
    /** Envoy's default over-provisioning factor: a zone with 1/1.4 of its instances healthy takes all it is offered. */
    private static final double OVERPROVISIONING = 1.4;

    private static final Logger LOG = NamingLoggers.get(Roster.class);

    private final BalancerOptions options;
    private final long slowStart;
    private Map<String, Member> byId = Map.of();
    private List<ServiceInstance> listed = List.of();
    private boolean firstListSeen;
    private String serviceName;

    Roster(BalancerOptions options) {
        this.options = options;
        this.slowStart = options.slowStart().toNanos();
    }

    /** Takes a new list: members stay by id, new ones start their slow start unless they are in the first list. */
    void update(List<ServiceInstance> instances, long now) {
        Map<String, Member> next = new LinkedHashMap<>();
        for (ServiceInstance instance : instances) {
            if (instance == null) {
                throw new IllegalArgumentException("instances must not contain null");
            }
            if (next.containsKey(instance.id())) {
                continue; // a registry lists an id once; the first one counts
            }
            Member member = byId.get(instance.id());
            if (member == null) {
                member = new Member(instance);
                if (firstListSeen && slowStart > 0) {
                    member.rampStart = now;
                }
            }
            member.instance = instance;
            member.weight = weight(member, instance);
            member.zone = instance.meta().get(ZONE_KEY);
            next.put(instance.id(), member);
        }
        byId = next;
        listed = List.copyOf(instances);
        firstListSeen = true;
        if (!instances.isEmpty()) {
            serviceName = instances.get(0).name();
        }
    }

    /**
     * Ejects {@code member} if it is still listed, has failed often enough and the share allows it.
     *
     * @return whether it was ejected (the view must be built again)
     */
    boolean eject(Member member, long now) {
        OutlierEjection rule = options.outlierEjection();
        if (byId.get(member.id) != member || member.ejected || member.failures.get() < rule.consecutiveFailures()) {
            return false;
        }
        int out = 0;
        for (Member m : byId.values()) {
            out += m.ejected ? 1 : 0;
        }
        if (out + 1 > rule.maxEjected(byId.size())) {
            return false;
        }
        long base = rule.baseEjectionTime().toNanos();
        long max = rule.maxEjectionTime().toNanos();
        if (member.ejections > 0) {
            // Envoy's decay: one ejection forgiven per base time spent back without one
            long forgiven = Math.max(0, (now - member.backSince) / base);
            member.ejections = (int) Math.max(0, member.ejections - forgiven);
        }
        member.ejections = (int) Math.min(member.ejections + 1L, max / base + 1);
        long time = Math.min(max, base * member.ejections);
        member.ejected = true;
        member.ejectedUntil = now + time;
        member.failures.set(0);
        LOG.warn("naming balance: instance '{}' of '{}' ejected for {} after {} failures in a row ({} of {} out)",
                member.id, member.instance.name(), Duration.ofNanos(time), rule.consecutiveFailures(), out + 1, byId.size());
        return true;
    }

    /** The view at {@code now}: ejections that ended are over, slow starts at their current step. */
    Snapshot snapshot(long now, Balancer balancer) {
        long wake = Long.MAX_VALUE; // nanoseconds from now until the view changes by itself
        String zone = options.zone();
        List<Member> local = new ArrayList<>();
        List<Member> remote = new ArrayList<>();
        List<ServiceInstance> available = new ArrayList<>();
        int listedLocal = 0;
        for (Member m : byId.values()) {
            boolean inZone = zone == null || zone.equals(m.zone);
            listedLocal += inZone ? 1 : 0;
            if (m.ejected) {
                if (now - m.ejectedUntil < 0) {
                    wake = Math.min(wake, m.ejectedUntil - now);
                    continue;
                }
                comeBack(m, now);
            }
            (inZone ? local : remote).add(m);
            available.add(m.instance);
        }
        long[] wakeAt = {wake};
        Group only = null;
        Group localGroup = null;
        Group remoteGroup = null;
        long share = Snapshot.ALL;
        if (remote.isEmpty()) {
            only = group(local, now, wakeAt, balancer);
        } else if (local.isEmpty()) {
            only = group(remote, now, wakeAt, balancer);
        } else {
            double localShare = Math.min(1.0, OVERPROVISIONING * local.size() / listedLocal);
            if (localShare >= 1.0) {
                only = group(local, now, wakeAt, balancer);
            } else {
                localGroup = group(local, now, wakeAt, balancer);
                remoteGroup = group(remote, now, wakeAt, balancer);
                share = (long) (localShare * Snapshot.ALL);
            }
        }
        long refreshAt = wakeAt[0] == Long.MAX_VALUE ? Snapshot.NEVER : now + wakeAt[0];
        return new Snapshot(listed, List.copyOf(available), Map.copyOf(byId), only, localGroup, remoteGroup, share,
                refreshAt, emptyReason());
    }

    private Group group(List<Member> members, long now, long[] wake, Balancer balancer) {
        long[] weights = new long[members.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = effectiveWeight(members.get(i), now, wake);
        }
        return new Group(members.toArray(Member[]::new), weights, balancer);
    }

    /** The weight in twentieths, ramped while in slow start; {@code wake[0]} learns when the next step is due. */
    private long effectiveWeight(Member m, long now, long[] wake) {
        if (m.rampStart == Member.FULL_WEIGHT) {
            return m.weight * STEPS;
        }
        long elapsed = Math.max(0, now - m.rampStart);
        if (elapsed >= slowStart) {
            m.rampStart = Member.FULL_WEIGHT;
            return m.weight * STEPS;
        }
        long step = elapsed * STEPS / slowStart;
        long nextStepAt = m.rampStart + ceilDiv((step + 1) * slowStart, STEPS);
        wake[0] = Math.min(wake[0], Math.max(1, nextStepAt - now));
        return m.weight * Math.max(FIRST_STEP, step);
    }

    private void comeBack(Member m, long now) {
        m.ejected = false;
        m.backSince = now;
        m.failures.set(0);
        if (slowStart > 0) {
            m.rampStart = now;
        }
        LOG.info("naming balance: instance '{}' of '{}' is back after its ejection", m.id, m.instance.name());
    }

    private String emptyReason() {
        String of = serviceName == null ? "" : " of '" + serviceName + "'";
        if (!firstListSeen) {
            return "no instance" + of + " to pick: the balancer has not received a list yet";
        }
        return "no instance" + of + " to pick: the last list was empty";
    }

    /**
     * The instance's meta {@code weight}: a whole number in 1–{@value #MAX_WEIGHT}, white space around
     * it ignored. Anything else counts as 1, with one warning per instance and value.
     */
    private static long weight(Member member, ServiceInstance instance) {
        String raw = instance.meta().get(WEIGHT_KEY);
        if (raw == null) {
            return 1;
        }
        long weight = parseWeight(raw);
        if (weight > 0) {
            member.warnedWeight = null;
            return weight;
        }
        if (!raw.equals(member.warnedWeight)) {
            member.warnedWeight = raw;
            LOG.warn("naming balance: instance '{}' of '{}' has weight '{}', not a whole number in 1-{}: it counts as 1",
                    instance.id(), instance.name(), raw, MAX_WEIGHT);
        }
        return 1;
    }

    /** The weight, or 0 when {@code raw} is not a whole number in range. */
    static long parseWeight(String raw) {
        String s = raw.strip();
        if (s.isEmpty() || s.length() > 7) {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            value = value * 10 + (c - '0');
        }
        return value <= MAX_WEIGHT ? value : 0;
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }
}
