import type { Admission } from '../operations/admit-request.js';
import type { AuditEvent } from '../../audit/audit-event.js';
import { mostRestrictive } from '../../core/action.js';
import type { Decision } from '../../core/decision.js';
import { redactForRecord } from '../../pipeline/redact-for-record.js';
import type { ChatMessage } from '../../pipeline/guard-input.js';
import type { UpstreamAttempt } from '../upstream/resilient-provider.js';
import type { CompletionRequest } from './completion-request.js';

/** Stored content is capped per stage, so one huge prompt cannot bloat the log. */
const maxContentChars = 65_536;

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** A decision as the audit log keeps it: rule ids, categories and scores, timings; never text. */
function stageRecord(decision: Decision): Record<string, unknown> {
  return {
    action: decision.action,
    rules: decision.rules.filter((rule) => rule.applied).map((rule) => ({ id: rule.id, layer: rule.layer, action: rule.action })),
    findings: decision.findings.map((finding) => ({
      detector: finding.detector,
      category: finding.category,
      score: round(finding.score),
      action: finding.action,
      source: finding.source,
      ...(finding.message === undefined ? {} : { message: finding.message }),
      ...(finding.field === undefined ? {} : { field: finding.field }),
    })),
    errors: decision.errors.map((error) => ({ detector: error.detector, reason: error.reason, fail_mode: error.failMode })),
    limits: decision.limits,
    timings_ms: decision.timings,
    policy: decision.policy,
  };
}

function capped(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json.length <= maxContentChars ? value : { truncated: true, chars: json.length, head: json.slice(0, maxContentChars) };
}

/**
 * The conversation as the policy allows it to be kept: not at all, with every labelled finding
 * redacted, or in full. In `redacted` mode, text without a decision (its check failed) is not
 * kept: there is nothing to redact it by, and unredacted text is what the mode promises to avoid.
 */
function contentRecord(request: CompletionRequest, mode: 'none' | 'redacted' | 'full'): Record<string, unknown> | undefined {
  if (mode === 'none' || request.checkedMessages === undefined) return undefined;
  if (mode === 'redacted' && request.input === undefined) return undefined;
  const messages = request.checkedMessages as ChatMessage[];
  const input = mode === 'full' || request.input === undefined ? messages : redactForRecord({ messages }, request.input);
  const answer = request.answerChecks?.map(({ input: checked, decision }) => {
    const kept = mode === 'full' ? ('text' in checked ? checked.text : checked.messages) : redactForRecord(checked, decision);
    return kept;
  });
  return { mode, input: capped(input), ...(answer === undefined ? {} : { output: capped(answer) }) };
}

/** An upstream attempt without its error message, which may quote the provider's reply and so the request's content. */
function attemptRecord(attempt: UpstreamAttempt): Record<string, unknown> {
  const { error, ...rest } = attempt;
  return error === undefined ? rest : { ...rest, error: { failure: error.failure } };
}

/** Which policy version decided, under which rollout arm, and what switches or throttling applied. */
function operationsRecord(admission: Admission): Record<string, unknown> {
  const { policy } = admission;
  return {
    policy_version: policy.version,
    // In shadow mode the active policy served every request: that is the arm a report on the answer is about.
    ...(policy.rollout === undefined ? {} : { rollout: { id: policy.rollout.id, arm: policy.rollout.mode === 'shadow' ? 'active' : policy.rollout.arm, mode: policy.rollout.mode, ...(policy.shadow === undefined ? {} : { shadow_compared: true }) } }),
    ...(admission.switches.length === 0 ? {} : { switches: admission.switches.map((record) => ({ scope: record.scope, id: record.id, state: record.state, version: record.version })) }),
    ...(admission.toolsDisabled ? { tools_disabled: true } : {}),
    ...(admission.abuse === undefined ? {} : { throttled: { subject_kind: admission.abuse.subject?.kind ?? null, limit_factor: admission.abuse.limitFactor } }),
  };
}

/** The one audit event of a completion request, built from what its stages recorded. */
export function completionAuditEvent(request: CompletionRequest, options: { contentMode: 'none' | 'redacted' | 'full'; now: Date }): AuditEvent {
  const action = request.output === undefined ? (request.input?.action ?? 'allow') : mostRestrictive(request.input?.action ?? 'allow', request.output.action);
  const content = contentRecord(request, options.contentMode);
  const event: AuditEvent = {
    id: request.id,
    type: 'request',
    time: options.now.toISOString(),
    action,
    status: request.status ?? 0,
    data: {
      endpoint: request.endpoint,
      stream: request.stream,
      latency_ms: round(performance.now() - request.started),
      ...(request.input === undefined ? {} : { input: stageRecord(request.input) }),
      ...(request.output === undefined ? {} : { output: stageRecord(request.output) }),
      ...(request.streamScan === undefined ? {} : { stream_scan: request.streamScan }),
      ...(request.lateFindings ? { late_findings: request.lateFindings } : {}),
      ...(request.removedFields === undefined ? {} : { removed_fields: request.removedFields.slice(0, 50) }),
      ...(request.toolCalls === undefined ? {} : { tool_calls: request.toolCalls.slice(0, 64) }),
      ...(request.upstream === undefined ? {} : { upstream: { provider: request.upstream.provider, status: request.upstream.status ?? null, ms: round(request.upstream.ms), attempts: request.upstream.attempts.map(attemptRecord) } }),
      ...(request.usage === undefined ? {} : { tokens: { input: request.usage.inputTokens, output: request.usage.outputTokens } }),
      ...(request.estimatedTokens === undefined ? {} : { estimated_tokens: request.estimatedTokens }),
      ...(request.errorCode === undefined ? {} : { error: request.errorCode }),
      ...(request.idempotencyKey === undefined ? {} : { idempotency_key: request.idempotencyKey, replayed: request.replayed === true }),
      ...(request.admission === undefined ? {} : { operations: operationsRecord(request.admission) }),
      ...(request.refusedBy === undefined ? {} : { operations: { refused_by: request.refusedBy } }),
      ...(content === undefined ? {} : { content }),
    },
  };
  if (request.auth !== undefined) {
    event.tenantId = request.auth.tenant.id;
    event.actor = request.auth.key.id;
  }
  if (request.parsed !== undefined) event.model = request.parsed.request.model.slice(0, 200) || '(empty)';
  if (request.route !== undefined) event.route = request.route.route;
  return event;
}
