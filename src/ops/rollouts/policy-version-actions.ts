/**
 * Pushing and activating policy versions, as the admin API and the CLI do it: a text is compiled
 * before it is stored (a version the gateway cannot load is never pushed), activation goes
 * through `activatePolicyVersion`, and each change writes its audit event (`policy-pushed`,
 * `policy-activated`). Refusals are errors with a message an operator can act on.
 */
import { checkIncidentNamed } from '../incidents/incident-actions.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { PalisadeError } from '../../core/errors.js';
import type { RecordOperatorEvent } from '../operator-event.js';
import type { ActivePolicyVersion } from './rollout.js';
import { activatePolicyVersion } from './rollout-operations.js';
import type { RolloutStore } from './rollout-store.js';
import type { PolicyVersion, PolicyVersionStore, PushPolicyVersionResult } from './policy-version-store.js';
import { requirePolicyVersion } from './resolve-policy-version.js';

export interface PushPolicyRequest {
  text: string;
  /** Default: the policy's own `name:`. */
  name?: string;
  note?: string;
  actor: string;
  now: Date;
  /** Who pushes, for the event: `api` or `cli`. */
  source: string;
  /** Compiles the text as the gateway would; throws `invalid_policy` (with positions) when it cannot. Returns the policy's name. */
  check: (text: string) => { name: string };
}

export async function pushPolicy(stores: { versions: PolicyVersionStore; record: RecordOperatorEvent }, request: PushPolicyRequest): Promise<PushPolicyVersionResult> {
  const compiled = request.check(request.text);
  const result = await stores.versions.push({
    text: request.text,
    name: request.name ?? compiled.name,
    pushedBy: request.actor,
    now: request.now,
    ...(request.note === undefined ? {} : { note: request.note }),
  });
  if (result.created) {
    await stores.record({ type: 'policy-pushed', actor: request.actor, data: { hash: result.version.hash, name: result.version.name, ...(request.note === undefined ? {} : { note: request.note }), source: request.source } });
  }
  return result;
}

export interface ActivatePolicyRequest {
  /** A hash, a unique prefix of at least 8 hex digits, or a name. */
  reference: string;
  reason: string;
  incidentId?: string;
  actor: string;
  now: Date;
  source: string;
}

export interface ActivatePolicyResult {
  version: PolicyVersion;
  active: ActivePolicyVersion;
  /** False when the version was the active one already (nothing changed, nothing audited). */
  changed: boolean;
}

/** Makes a version the active one; refused (`invalid_request`, naming the rollout) while a rollout runs. */
export async function activatePolicy(stores: { versions: PolicyVersionStore; rollouts: RolloutStore; record: RecordOperatorEvent; incidents?: IncidentStore }, request: ActivatePolicyRequest): Promise<ActivatePolicyResult> {
  await checkIncidentNamed(stores.incidents, request.incidentId);
  const version = await requirePolicyVersion(stores.versions, request.reference);
  const previous = await stores.rollouts.activeVersion();
  const result = await activatePolicyVersion(stores, { hash: version.hash, by: request.actor, now: request.now });
  switch (result.state) {
    case 'activated':
      await stores.record({
        type: 'policy-activated',
        actor: request.actor,
        data: { hash: version.hash, name: version.name, previous: previous?.hash ?? null, reason: request.reason, ...(request.incidentId === undefined ? {} : { incident_id: request.incidentId }), source: request.source },
      });
      return { version, active: result.active, changed: true };
    case 'already_active':
      return { version, active: result.active, changed: false };
    case 'rollout_running':
      throw new PalisadeError('invalid_request', `rollout ${result.rollout.id} is running (candidate ${result.rollout.candidate.slice(0, 12)}… at ${result.rollout.percent} %): complete, roll back or abort it before activating another version`);
    case 'version_mismatch':
      throw new PalisadeError('invalid_request', 'the active version changed meanwhile; look again and retry');
    case 'unknown_version':
      throw new PalisadeError('not_found', `no policy version ${result.hash}`);
  }
}
