package dev.naming.consul.watch;

import java.time.Duration;

/**
 * How the reads of a {@code Naming} are made and its watches paced.
 *
 * @param tls             whether the agents are spoken to over TLS (HTTP/2 carries many watches a connection)
 * @param datacenter      the {@code dc} parameter, or {@code null}
 * @param stale           whether reads may be answered by any server
 * @param blockingWait    how long the agent may hold a blocking query
 * @param blockingTimeout the deadline of a blocking query
 * @param timeout         the deadline of any other read
 * @param queryInterval   a watch's queries start at most this often (after a burst of two)
 * @param idlePenaltyMax  the longest pause after early returns with an unchanged index
 * @param retryMin        the first pause after a failure
 * @param retryMax        the longest pause after failures
 */
public record WatchSettings(boolean tls, String datacenter, boolean stale, Duration blockingWait, Duration blockingTimeout,
                            Duration timeout, Duration queryInterval, Duration idlePenaltyMax, Duration retryMin,
                            Duration retryMax) { }
