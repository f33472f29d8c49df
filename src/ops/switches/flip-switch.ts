/**
 * An operator's flip of a kill switch, as the admin API and the CLI make it: the forced policy of
 * a `degrade` resolved to a stored version's full hash (the request path looks versions up by
 * hash), the flip stored through a store that announces it to every replica, and the
 * `switch-flipped` audit event written.
 *
 * The runbook moves are flips: drain the deployment = `global` off; freeze a key or a tenant =
 * `key` / `tenant` off; take a tenant's tools away = `tenant` degrade with tools disabled; force a
 * stricter policy = degrade with a policy version.
 */
import type { PolicyVersionStore } from '../rollouts/policy-version-store.js';
import { requirePolicyVersion } from '../rollouts/resolve-policy-version.js';
import type { RecordOperatorEvent } from '../operator-event.js';
import { checkIncidentNamed } from '../incidents/incident-actions.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { checkSwitchFlip } from './check-switch-arguments.js';
import { GLOBAL_SWITCH_ID, type DegradeOptions, type SwitchFlip, type SwitchScope, type SwitchSetResult, type SwitchState, type SwitchStore } from './switch-store.js';

export interface FlipSwitchRequest {
  scope: SwitchScope;
  /** For `global`, `*` (or its alias `all`, which a shell does not expand). */
  id: string;
  state: SwitchState;
  /** `policy` may be a full hash, a unique prefix of at least 8 hex digits, or a version name. */
  degrade?: DegradeOptions;
  reason: string;
  actor: string;
  now: Date;
  expiresAt?: Date;
  incidentId?: string;
}

export interface FlipSwitchStores {
  /** A store whose flips reach every replica (see `openSwitchFlips`). */
  switches: SwitchStore;
  versions: PolicyVersionStore;
  record: RecordOperatorEvent;
  /** When given, a flip naming an incident is refused unless the incident exists. */
  incidents?: IncidentStore;
}

/** The id a switch is stored under: `all` is accepted for the global switch's `*`. */
export function switchTargetId(scope: SwitchScope, id: string): string {
  return scope === 'global' && id === 'all' ? GLOBAL_SWITCH_ID : id;
}

export async function flipSwitch(stores: FlipSwitchStores, request: FlipSwitchRequest): Promise<SwitchSetResult> {
  const flip: SwitchFlip = {
    scope: request.scope,
    id: switchTargetId(request.scope, request.id),
    state: request.state,
    reason: request.reason,
    actor: request.actor,
    at: request.now,
    ...(request.degrade === undefined ? {} : { degrade: { ...request.degrade } }),
    ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
    ...(request.incidentId === undefined ? {} : { incidentId: request.incidentId }),
  };
  // Malformed flips are refused before a version is looked up, with the store's own messages.
  checkSwitchFlip(flip);
  await checkIncidentNamed(stores.incidents, flip.incidentId);
  if (flip.degrade?.policy !== undefined) flip.degrade.policy = (await requirePolicyVersion(stores.versions, flip.degrade.policy, { field: 'degrade.policy' })).hash;
  const result = await stores.switches.set(flip);
  await stores.record({ type: 'switch-flipped', actor: request.actor, data: switchFlippedData(result) });
  return result;
}

/** The `switch-flipped` event's data: `degrade_tools` and `degrade_policy` repeat the degrade options flat, as incident timelines read them. */
export function switchFlippedData(result: SwitchSetResult): Record<string, unknown> {
  const { current } = result;
  return {
    scope: current.scope,
    id: current.id,
    state: current.state,
    previous_state: result.previousState,
    degrade: current.degrade === undefined ? null : { tools: current.degrade.tools ?? null, policy: current.degrade.policy ?? null },
    ...(current.degrade?.tools === undefined ? {} : { degrade_tools: current.degrade.tools }),
    ...(current.degrade?.policy === undefined ? {} : { degrade_policy: current.degrade.policy }),
    reason: current.reason,
    expires_at: current.expiresAt?.toISOString() ?? null,
    ...(current.incidentId === undefined ? {} : { incident_id: current.incidentId }),
    version: result.version,
  };
}
