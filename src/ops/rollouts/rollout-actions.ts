/**
 * Starting and moving rollouts, as the admin API and the CLI do it: the candidate resolved from a
 * hash, prefix or name, every typed refusal of the store turned into an error an operator can act
 * on, and every transition written to the audit log (`rollout-started`, `rollout-advanced`,
 * `rollout-completed`, `rollout-rolled-back`, `rollout-aborted`) with what changed and why.
 */
import { checkIncidentNamed } from '../incidents/incident-actions.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { PalisadeError } from '../../core/errors.js';
import type { RecordOperatorEvent } from '../operator-event.js';
import type { PolicyVersionStore } from './policy-version-store.js';
import { requirePolicyVersion } from './resolve-policy-version.js';
import { newRolloutId, type Rollout, type RolloutBucketBy, type RolloutChange, type RolloutChangeKind, type RolloutMode } from './rollout.js';
import { startRollout } from './rollout-operations.js';
import type { RolloutStore, RolloutTransitionResult } from './rollout-store.js';

export interface RolloutActionStores {
  versions: PolicyVersionStore;
  rollouts: RolloutStore;
  record: RecordOperatorEvent;
  /** When given, an act naming an incident is refused unless the incident exists. */
  incidents?: IncidentStore;
}

export const DEFAULT_ROLLOUT_STAGES: readonly number[] = [1, 5, 25, 100];

export interface BeginRolloutRequest {
  /** A hash, a unique prefix of at least 8 hex digits, or a name. */
  candidate: string;
  stages: readonly number[];
  bucketBy: RolloutBucketBy;
  mode: RolloutMode;
  /** Advance a stage this often while healthy; absent: only by hand. */
  everyMinutes?: number;
  reason?: string;
  incidentId?: string;
  actor: string;
  now: Date;
}

export async function beginRollout(stores: RolloutActionStores, request: BeginRolloutRequest): Promise<Rollout> {
  await checkIncidentNamed(stores.incidents, request.incidentId);
  const version = await requirePolicyVersion(stores.versions, request.candidate, { field: 'candidate' });
  const result = await startRollout(stores, {
    id: newRolloutId(),
    candidate: version.hash,
    stages: request.stages,
    bucketBy: request.bucketBy,
    mode: request.mode,
    by: request.actor,
    now: request.now,
    ...(request.everyMinutes === undefined ? {} : { schedule: { everyMinutes: request.everyMinutes } }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  });
  switch (result.state) {
    case 'started': {
      const { rollout } = result;
      await stores.record({
        type: 'rollout-started',
        actor: request.actor,
        data: {
          ...rolloutEventData(rollout, rollout.history.at(-1), request),
          name: version.name,
          stages: rollout.stages,
          bucket_by: rollout.bucketBy,
          every_minutes: rollout.schedule?.everyMinutes ?? null,
        },
      });
      return rollout;
    }
    case 'already_running':
      throw new PalisadeError('invalid_request', `rollout ${result.rollout.id} is already running (candidate ${short(result.rollout.candidate)} at ${result.rollout.percent} %): complete, roll back or abort it first`);
    case 'no_active_version':
      throw new PalisadeError('invalid_request', 'no policy version is active, so a rollout has no baseline: activate one first');
    case 'candidate_is_active':
      throw new PalisadeError('invalid_request', `version ${short(version.hash)} is the active version already: there is nothing to roll out`, { details: [{ path: 'candidate', message: 'is the active version' }] });
    case 'exists':
    case 'version_mismatch':
      throw new PalisadeError('invalid_request', 'the rollouts changed meanwhile; look again and retry');
    case 'unknown_version':
      throw new PalisadeError('invalid_request', `no policy version ${result.hash}`, { details: [{ path: 'candidate', message: 'names no policy version' }] });
  }
}

export type RolloutCommand = Exclude<RolloutChangeKind, 'start'>;

export interface ChangeRolloutRequest {
  kind: RolloutCommand;
  /** A rollout id, or `current` for the running one. */
  rolloutId: string;
  /** `advance` only: the percent to go to (default: the next planned stage). */
  to?: number;
  /** Required to roll back. */
  reason?: string;
  incidentId?: string;
  actor: string;
  now: Date;
}

const eventTypes: Readonly<Record<RolloutCommand, string>> = {
  advance: 'rollout-advanced',
  complete: 'rollout-completed',
  roll_back: 'rollout-rolled-back',
  abort: 'rollout-aborted',
};

/** The id a request names: `current` is the running rollout (`not_found` when none runs). */
export async function rolloutIdOf(rollouts: RolloutStore, id: string): Promise<string> {
  if (id !== 'current') return id;
  const running = await rollouts.current();
  if (running === undefined) throw new PalisadeError('not_found', 'no rollout is running');
  return running.id;
}

export async function changeRollout(stores: RolloutActionStores, request: ChangeRolloutRequest): Promise<Rollout> {
  await checkIncidentNamed(stores.incidents, request.incidentId);
  const rolloutId = await rolloutIdOf(stores.rollouts, request.rolloutId);
  const base = { rolloutId, by: request.actor, now: request.now, ...(request.reason === undefined ? {} : { reason: request.reason }) };
  let result: RolloutTransitionResult;
  switch (request.kind) {
    case 'advance':
      result = await stores.rollouts.advance({ ...base, ...(request.to === undefined ? {} : { to: request.to }) });
      break;
    case 'complete':
      result = await stores.rollouts.complete(base);
      break;
    case 'roll_back':
      if (request.reason === undefined || request.reason.trim() === '') throw new PalisadeError('invalid_request', 'a roll-back needs a reason: it is what the on-call reads first', { details: [{ path: 'reason', message: 'required' }] });
      result = await stores.rollouts.rollBack({ ...base, reason: request.reason });
      break;
    case 'abort':
      result = await stores.rollouts.abort(base);
      break;
  }
  switch (result.state) {
    case 'changed':
      await stores.record({ type: eventTypes[request.kind], actor: request.actor, data: rolloutEventData(result.rollout, result.rollout.history.at(-1), request) });
      return result.rollout;
    case 'not_found':
      throw new PalisadeError('not_found', `no rollout ${rolloutId}`);
    case 'not_running':
      throw new PalisadeError('invalid_request', `rollout ${rolloutId} is ${result.rollout.status.replace('_', ' ')} already; nothing changed`);
    case 'not_forward':
      throw new PalisadeError(
        'invalid_request',
        request.to === undefined
          ? `rollout ${rolloutId} is at its last planned stage (${result.rollout.percent} %): complete it, or advance to a higher percent`
          : `rollout ${rolloutId} is at ${result.rollout.percent} %: the percent to advance to must be above it`,
        request.to === undefined ? {} : { details: [{ path: 'to', message: `must be above ${result.rollout.percent}` }] },
      );
    case 'version_mismatch':
      throw new PalisadeError('invalid_request', 'the rollout changed meanwhile; look again and retry');
  }
}

/** What every rollout event says: which rollout, its arms, the move and why. */
function rolloutEventData(rollout: Rollout, change: RolloutChange | undefined, request: { reason?: string; incidentId?: string }): Record<string, unknown> {
  return {
    rollout_id: rollout.id,
    candidate: rollout.candidate,
    baseline: rollout.baseline,
    mode: rollout.mode,
    from_percent: change?.fromPercent ?? null,
    to_percent: change?.toPercent ?? rollout.percent,
    percent: rollout.percent,
    reason: request.reason ?? null,
    ...(request.incidentId === undefined ? {} : { incident_id: request.incidentId }),
    automatic: false,
  };
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
