import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds, from 50 µs (a detector) to 60 s (a long upstream answer). */
const latencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The gateway's Prometheus metrics, in a registry of their own (no global state): one metric per
 * lifecycle stage, as docs/lifecycle.md lists them. Label values are bounded sets (endpoints,
 * actions, categories, detector and provider names, tenant ids), never content.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'palisade_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'palisade_requests_total', help: 'Requests by endpoint, route (the policy route of the model), tenant, final action and HTTP status.', labelNames: ['endpoint', 'route', 'tenant', 'action', 'status'] as const, registers }),
    requestDuration: new Histogram({ name: 'palisade_request_duration_seconds', help: 'Time from request to the last byte sent.', labelNames: ['endpoint'] as const, buckets: latencyBuckets, registers }),
    blocks: new Counter({ name: 'palisade_blocks_total', help: 'Requests or answers stopped by the policy, by stage and the category that decided.', labelNames: ['stage', 'category'] as const, registers }),
    findings: new Counter({ name: 'palisade_findings_total', help: 'Findings by stage, category and the action the policy resolved.', labelNames: ['stage', 'category', 'action'] as const, registers }),
    detectorDuration: new Histogram({ name: 'palisade_detector_duration_seconds', help: 'Time each detector took per check.', labelNames: ['detector', 'stage'] as const, buckets: latencyBuckets, registers }),
    detectorErrors: new Counter({ name: 'palisade_detector_errors_total', help: 'Detector failures (exception, timeout, invalid result) and how the policy handled them.', labelNames: ['detector', 'reason', 'fail_mode'] as const, registers }),
    upstreamRequests: new Counter({ name: 'palisade_upstream_requests_total', help: 'Upstream attempts by provider and outcome (HTTP status class or error kind).', labelNames: ['provider', 'outcome'] as const, registers }),
    upstreamDuration: new Histogram({ name: 'palisade_upstream_duration_seconds', help: 'Upstream latency to the response (non-streaming) or to the first event (streaming).', labelNames: ['provider'] as const, buckets: latencyBuckets, registers }),
    upstreamErrors: new Counter({ name: 'palisade_upstream_errors_total', help: 'Requests that failed upstream after retries and fallbacks, by error code.', labelNames: ['code'] as const, registers }),
    breakerState: new Gauge({ name: 'palisade_circuit_breaker_open', help: '1 while a provider’s circuit breaker is open (or half-open), else 0.', labelNames: ['provider'] as const, registers }),
    rateLimited: new Counter({ name: 'palisade_rate_limited_total', help: 'Requests refused by a rate limit, by subject and limit.', labelNames: ['subject', 'limit'] as const, registers }),
    auditWriteDuration: new Histogram({ name: 'palisade_audit_write_duration_seconds', help: 'Time until an audit event was durable.', buckets: latencyBuckets, registers }),
    toolCalls: new Counter({ name: 'palisade_tool_calls_total', help: 'Tool calls the model proposed, by what tool gating did (allowed, denied, approval).', labelNames: ['verdict'] as const, registers }),
    toolDenials: new Counter({ name: 'palisade_tool_denials_total', help: 'Tool calls refused, by tool (unlisted tools as "(unlisted)") and reason.', labelNames: ['tool', 'reason'] as const, registers }),
    streamScanFailures: new Counter({ name: 'palisade_stream_scan_failures_total', help: 'Streams whose output could not be fully scanned, by what the policy did.', labelNames: ['fail_mode'] as const, registers }),
    switchRefusals: new Counter({ name: 'palisade_switch_refusals_total', help: 'Requests refused by an off kill switch, by the scope of the switch.', labelNames: ['scope'] as const, registers }),
    switchesActive: new Gauge({ name: 'palisade_switches_active', help: 'Kill switches not on, as this replica sees them, by state.', labelNames: ['state'] as const, registers }),
    rolloutRequests: new Counter({ name: 'palisade_rollout_requests_total', help: 'Requests under a running rollout, by arm (active, candidate) and mode (shadow, enforce).', labelNames: ['arm', 'mode'] as const, registers }),
    shadowComparisons: new Counter({ name: 'palisade_shadow_comparisons_total', help: 'Shadow comparisons of the candidate policy with the active one, by whether they disagreed.', labelNames: ['disagreed'] as const, registers }),
    abuseStateChanges: new Counter({ name: 'palisade_abuse_state_changes_total', help: 'Abuse ladder changes, by subject kind, new state and cause (escalated, override-set, override-cleared).', labelNames: ['kind', 'state', 'cause'] as const, registers }),
    abuseRefusals: new Counter({ name: 'palisade_abuse_refusals_total', help: 'Requests refused because their key, tenant or end user is suspended.', registers }),
    alertDeliveries: new Counter({ name: 'palisade_alert_deliveries_total', help: 'Alert webhook deliveries by final outcome (delivered, failed, dropped, abandoned).', labelNames: ['outcome'] as const, registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
