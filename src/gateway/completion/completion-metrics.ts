import { isDelivered, mostRestrictive } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { CompletionRequest } from './completion-request.js';

function recordDecision(metrics: Metrics, decision: Decision): void {
  for (const [detector, ms] of Object.entries(decision.timings.detectors)) metrics.detectorDuration.observe({ detector, stage: decision.stage }, ms / 1000);
  for (const finding of decision.findings) metrics.findings.inc({ stage: decision.stage, category: finding.category, action: finding.action });
  for (const error of decision.errors) metrics.detectorErrors.inc({ detector: error.detector, reason: error.reason, fail_mode: error.failMode });
  if (!isDelivered(decision.action)) {
    const deciding = decision.rules.find((rule) => rule.applied && rule.action === decision.action);
    const category = deciding === undefined ? 'detector_error' : (decision.findings[deciding.findings[0] ?? -1]?.category ?? deciding.id);
    metrics.blocks.inc({ stage: decision.stage, category });
  }
}

/** Every metric a completion request contributes, from what its stages recorded. */
export function recordCompletionMetrics(metrics: Metrics, request: CompletionRequest): void {
  const action = request.input === undefined ? 'none' : request.output === undefined ? request.input.action : mostRestrictive(request.input.action, request.output.action);
  metrics.requests.inc({ endpoint: request.endpoint, route: request.route?.route ?? '', tenant: request.auth?.tenant.id ?? '', action, status: String(request.status ?? 0) });
  metrics.requestDuration.observe({ endpoint: request.endpoint }, (performance.now() - request.started) / 1000);
  if (request.input !== undefined) recordDecision(metrics, request.input);
  if (request.output !== undefined) recordDecision(metrics, request.output);
  for (const attempt of request.upstream?.attempts ?? []) {
    // An answer is counted by its status class; only an attempt that got none by what went wrong.
    metrics.upstreamRequests.inc({ provider: attempt.provider, outcome: attempt.status === undefined ? (attempt.error?.failure ?? 'unknown') : `${Math.floor(attempt.status / 100)}xx` });
    metrics.upstreamDuration.observe({ provider: attempt.provider }, attempt.ms / 1000);
  }
  if (request.errorCode?.startsWith('upstream_')) metrics.upstreamErrors.inc({ code: request.errorCode });
  for (const call of request.toolCalls ?? []) {
    metrics.toolCalls.inc({ verdict: call.verdict });
    if (call.verdict === 'denied') metrics.toolDenials.inc({ tool: call.tool, reason: call.reason ?? 'unknown' });
  }
  if (request.streamScan === 'failed') metrics.streamScanFailures.inc({ fail_mode: 'closed' });
}
