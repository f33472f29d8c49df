/**
 * The operations routes' answers (kill switches, the runbook, policy versions, rollouts,
 * incidents) as the console reads them: snake_case, as on the wire. Only the fields the pages use
 * are named; docs/gateway.md ("The admin API") and docs/operations.md are the reference.
 */

export type SwitchScope = 'route' | 'model' | 'tool' | 'tenant' | 'key' | 'detector' | 'global';
export const switchScopes: readonly SwitchScope[] = ['model', 'route', 'tool', 'tenant', 'key', 'detector', 'global'];

export type SwitchState = 'on' | 'degrade' | 'off';
export const switchStates: readonly SwitchState[] = ['on', 'degrade', 'off'];

export interface DegradeOptions {
  tools: 'disabled' | null;
  policy: string | null;
}

export interface WireSwitch {
  scope: SwitchScope;
  id: string;
  state: SwitchState;
  /** What the switch does now: `on` once its flip expired. */
  effective_state: SwitchState;
  degrade: DegradeOptions | null;
  reason: string;
  actor: string;
  at: string;
  expires_at: string | null;
  incident_id: string | null;
  version: number;
}

export interface SwitchList {
  data: WireSwitch[];
  /** The store's version. */
  version: number;
  /** This replica's view of the switches: how current the ones it enforces are. */
  board: { version: number; refreshed_at: string };
}

export interface FlippedSwitch extends WireSwitch {
  previous_state: SwitchState;
}

export interface FlipBody {
  state: SwitchState;
  reason: string;
  degrade?: { tools?: 'disabled'; policy?: string };
  expires_in_seconds?: number;
  incident_id?: string;
}

export type RunbookAction = 'drain' | 'disable-model' | 'disable-route' | 'disable-tool' | 'freeze-key' | 'freeze-tenant' | 'revoke-tools' | 'force-policy';
export const runbookActions: readonly RunbookAction[] = ['drain', 'disable-model', 'disable-route', 'disable-tool', 'freeze-key', 'freeze-tenant', 'revoke-tools', 'force-policy'];

export interface RunbookBody {
  target?: string;
  policy?: string;
  reason: string;
  incident_id?: string;
  expires_in_seconds?: number;
  undo?: boolean;
}

export interface RunbookResult extends FlippedSwitch {
  action: RunbookAction;
}

export interface PolicyVersion {
  hash: string;
  name: string;
  created_at: string;
  pushed_by: string;
  note: string | null;
  /** In the list and on `GET /admin/v1/policies/:version`. */
  active?: boolean;
  /** In the list: the running rollout's candidate. */
  candidate?: boolean;
  /** On `GET /admin/v1/policies/:version` only. */
  text?: string;
}

export interface ActiveVersion {
  hash: string;
  activated_at: string;
  activated_by: string;
  rollout_id: string | null;
}

export type RolloutMode = 'shadow' | 'enforce';
export type RolloutBucketBy = 'tenant' | 'key' | 'end_user';
export type RolloutStatus = 'running' | 'completed' | 'rolled_back' | 'aborted';

export interface PolicyList {
  data: PolicyVersion[];
  active: ActiveVersion | null;
  rollout: { id: string; candidate: string; baseline: string; percent: number; mode: RolloutMode } | null;
}

export interface RolloutChange {
  version: number;
  kind: 'start' | 'advance' | 'complete' | 'roll_back' | 'abort';
  from_percent: number;
  to_percent: number;
  at: string;
  by: string;
  reason: string | null;
}

export interface Rollout {
  id: string;
  status: RolloutStatus;
  candidate: string;
  baseline: string;
  percent: number;
  stages: number[];
  bucket_by: RolloutBucketBy;
  mode: RolloutMode;
  every_minutes: number | null;
  started_at: string;
  started_by: string;
  ended_at: string | null;
  history: RolloutChange[];
}

export interface ShadowArm {
  blocked: number;
  /** 0 to 1. */
  block_rate: number;
}

export interface ShadowSummary {
  counted_from: string | null;
  compared: number;
  disagreements: number;
  by_actions: { active: string; candidate: string; count: number }[];
  active: ShadowArm;
  candidate: ShadowArm;
  by_category: { category: string; active: ShadowArm; candidate: ShadowArm }[];
  example_ids: string[];
}

export interface ArmWindow {
  requests: number;
  blocked: number;
  block_rate_percent: number;
  detector_errors: number;
  detector_error_percent: number;
  latency_samples: number;
  p99_latency_ms: number | null;
  user_reports: number;
}

export interface HealthThresholds {
  window_seconds: number;
  min_samples: number;
  max_block_rate_increase_points: number | null;
  max_detector_error_percent: number | null;
  max_p99_latency_ms: number | null;
  max_user_reports: number | null;
}

export interface RolloutReport extends Rollout {
  report: {
    shadow: ShadowSummary;
    health: { replica: { active: ArmWindow; candidate: ArmWindow } | null; thresholds: HealthThresholds };
  };
}

export interface StartRolloutBody {
  candidate: string;
  stages?: number[];
  bucket_by?: RolloutBucketBy;
  mode?: RolloutMode;
  every_minutes?: number;
  reason?: string;
  incident_id?: string;
}

export type RolloutMove = 'advance' | 'complete' | 'rollback' | 'abort';

export interface ShadowVerdict {
  action: string;
  categories: string[];
}

export interface ShadowDisagreement {
  request_id: string;
  tenant_id: string;
  stage: string;
  active: ShadowVerdict;
  candidate: ShadowVerdict;
  /** The checked text, redacted when it was recorded; `null` with `audit.content: none`. */
  example: string | null;
  at: string;
}

export type IncidentSeverity = 1 | 2 | 3 | 4;

export interface Incident {
  id: string;
  severity: IncidentSeverity;
  title: string;
  status: 'open' | 'closed';
  opened_at: string;
  opened_by: string;
  closed_at: string | null;
  closed_by: string | null;
  resolution: string | null;
}

export interface TimelineEntry {
  eventId: string;
  time: string;
  type: string;
  actor?: string;
  tenantId?: string;
  summary: string;
}

export interface IncidentDetail extends Incident {
  timeline: { entries: TimelineEntry[]; total: number; cut: 'limit' | 'scan-limit' | null };
}

export interface IncidentList {
  data: Incident[];
  /** The id to pass as `before` for the next (older) page, `null` on the last. */
  next_before: string | null;
}

/** A file the API answered with (an incident's export), to hand to the browser as a download. */
export interface DownloadedFile {
  text: string;
  filename: string;
  contentType: string;
}
