/**
 * Kill switches, policy versions, rollouts and abuse status as the admin API shows them
 * (snake_case, ISO 8601 times, `null` for what is absent). `palisade … --json` prints the same.
 */
import { isPalisadeError, PalisadeError } from '../../core/errors.js';
import type { AbuseStatus } from '../../ops/abuse/abuse-response.js';
import type { AbuseOverride } from '../../ops/abuse/abuse-override-store.js';
import type { AbuseSubject } from '../../ops/abuse/abuse-score-store.js';
import type { PolicyVersion, StoredPolicyVersion } from '../../ops/rollouts/policy-version-store.js';
import type { ActivePolicyVersion, Rollout } from '../../ops/rollouts/rollout.js';
import type { RolloutArmWindow } from '../../ops/rollouts/rollout-health.js';
import type { ShadowExample, ShadowSummary } from '../../ops/rollouts/shadow-store.js';
import { switchStateAt, type SwitchRecord } from '../../ops/switches/switch-store.js';

const iso = (date: Date | undefined): string | null => (date === undefined ? null : date.toISOString());

export function switchToWire(record: SwitchRecord, now: Date): Record<string, unknown> {
  return {
    object: 'switch',
    scope: record.scope,
    id: record.id,
    state: record.state,
    /** What the switch does now: `on` once its flip expired. */
    effective_state: switchStateAt(record, now),
    degrade: record.degrade === undefined ? null : { tools: record.degrade.tools ?? null, policy: record.degrade.policy ?? null },
    reason: record.reason,
    actor: record.actor,
    at: record.at.toISOString(),
    expires_at: iso(record.expiresAt),
    incident_id: record.incidentId ?? null,
    version: record.version,
  };
}

export function policyVersionToWire(version: PolicyVersion | StoredPolicyVersion): Record<string, unknown> {
  return {
    object: 'policy_version',
    hash: version.hash,
    name: version.name,
    created_at: version.createdAt.toISOString(),
    pushed_by: version.pushedBy,
    note: version.note ?? null,
    ...('text' in version ? { text: version.text } : {}),
  };
}

export function activeVersionToWire(active: ActivePolicyVersion | undefined): Record<string, unknown> | null {
  if (active === undefined) return null;
  return { hash: active.hash, activated_at: active.activatedAt.toISOString(), activated_by: active.activatedBy, rollout_id: active.rolloutId ?? null, version: active.version };
}

export function rolloutToWire(rollout: Rollout): Record<string, unknown> {
  return {
    object: 'rollout',
    id: rollout.id,
    status: rollout.status,
    candidate: rollout.candidate,
    baseline: rollout.baseline,
    percent: rollout.percent,
    stages: rollout.stages,
    bucket_by: rollout.bucketBy,
    mode: rollout.mode,
    every_minutes: rollout.schedule?.everyMinutes ?? null,
    started_at: rollout.startedAt.toISOString(),
    started_by: rollout.startedBy,
    ended_at: iso(rollout.endedAt),
    version: rollout.version,
    history: rollout.history.map((change) => ({
      version: change.version,
      kind: change.kind,
      from_percent: change.fromPercent,
      to_percent: change.toPercent,
      at: change.at.toISOString(),
      by: change.by,
      reason: change.reason ?? null,
    })),
  };
}

export function shadowSummaryToWire(summary: ShadowSummary): Record<string, unknown> {
  const arm = (counts: { blocked: number; blockRate: number }) => ({ blocked: counts.blocked, block_rate: counts.blockRate });
  return {
    counted_from: iso(summary.countedFrom),
    compared: summary.compared,
    disagreements: summary.disagreements,
    by_actions: summary.byActions,
    active: arm(summary.active),
    candidate: arm(summary.candidate),
    by_category: summary.byCategory.map((entry) => ({ category: entry.category, active: arm(entry.active), candidate: arm(entry.candidate) })),
    example_ids: summary.exampleIds,
  };
}

export function armWindowToWire(window: RolloutArmWindow): Record<string, unknown> {
  return {
    requests: window.requests,
    blocked: window.blocked,
    block_rate_percent: window.blockRatePercent,
    detector_errors: window.detectorErrors,
    detector_error_percent: window.detectorErrorPercent,
    latency_samples: window.latencySamples,
    p99_latency_ms: window.p99LatencyMs ?? null,
    user_reports: window.userReports,
  };
}

/** A kept disagreement; its example text was redacted when it was recorded. */
export function shadowExampleToWire(example: ShadowExample): Record<string, unknown> {
  return {
    object: 'shadow_disagreement',
    request_id: example.requestId,
    tenant_id: example.tenantId,
    stage: example.stage,
    active: example.active,
    candidate: example.candidate,
    example: example.example ?? null,
    at: example.at.toISOString(),
  };
}

export function abuseStatusToWire(subject: AbuseSubject, status: AbuseStatus, options: { withReason: boolean }): Record<string, unknown> {
  return {
    object: 'abuse_status',
    kind: subject.kind,
    id: subject.id,
    state: status.state,
    until: iso(status.until),
    source: status.source,
    limit_factor: status.limitFactor,
    ...(options.withReason ? { reason: status.reason ?? null } : {}),
  };
}

export function abuseOverrideToWire(override: AbuseOverride): Record<string, unknown> {
  return {
    object: 'abuse_override',
    kind: override.subject.kind,
    id: override.subject.id,
    state: override.state,
    until: iso(override.until),
    reason: override.reason,
    by: override.by,
    at: override.at.toISOString(),
  };
}

/** A store's refusal of an argument, on the wire like any other bad field: `invalid_request`, same message and details. */
export function asRequestError(error: unknown): never {
  if (isPalisadeError(error) && error.code === 'invalid_argument') throw new PalisadeError('invalid_request', error.message, { details: error.details, cause: error });
  throw error;
}
