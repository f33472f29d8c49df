/**
 * The incident runbook's moves, by name, as the CLI (`palisade runbook …`) and the admin API
 * (`POST /admin/v1/runbook/:action`) offer them. Each is a kill-switch flip (so each is announced
 * to every replica, expires if asked, and is audited as `switch-flipped`); `undo` takes the
 * action's part back (see `runbookFlip`: actions on one switch add up, they never lift each other).
 *
 * | action          | target      | flip                                      |
 * |-----------------|-------------|-------------------------------------------|
 * | disable-route   | route id    | route off                                 |
 * | disable-model   | model id    | model off                                 |
 * | disable-tool    | tool name   | tool off (requests offering it refused)   |
 * | revoke-tools    | tenant id   | tenant degrade, tools disabled            |
 * | freeze-key      | key id      | key off                                   |
 * | freeze-tenant   | tenant id   | tenant off                                |
 * | drain           | (none)      | global off: new requests 503, in-flight ones finish |
 * | force-policy    | tenant id or none (everyone) | degrade with the policy version given |
 */
import { PalisadeError } from '../../core/errors.js';
import { GLOBAL_SWITCH_ID, type DegradeOptions, type SwitchScope, type SwitchState } from './switch-store.js';

export const runbookActions = ['disable-route', 'disable-model', 'disable-tool', 'revoke-tools', 'freeze-key', 'freeze-tenant', 'drain', 'force-policy'] as const;
export type RunbookAction = (typeof runbookActions)[number];

const plans: Readonly<Record<RunbookAction, { scope: SwitchScope | 'tenant-or-global'; state: SwitchState; tools?: true; policy?: true }>> = {
  'disable-route': { scope: 'route', state: 'off' },
  'disable-model': { scope: 'model', state: 'off' },
  'disable-tool': { scope: 'tool', state: 'off' },
  'revoke-tools': { scope: 'tenant', state: 'degrade', tools: true },
  'freeze-key': { scope: 'key', state: 'off' },
  'freeze-tenant': { scope: 'tenant', state: 'off' },
  drain: { scope: 'global', state: 'off' },
  'force-policy': { scope: 'tenant-or-global', state: 'degrade', policy: true },
};

export interface RunbookFlip {
  scope: SwitchScope;
  id: string;
  state: SwitchState;
  degrade?: DegradeOptions;
}

/** The switch a runbook action acts on, and what it does to it. */
export interface RunbookTarget {
  scope: SwitchScope;
  id: string;
  /** `off`, or the degrade option the action adds (or, undone, takes away). */
  effect: { kind: 'off' } | { kind: 'tools' } | { kind: 'policy'; policy?: string };
}

/** Which switch an action flips, and how. Refuses a missing or superfluous target or policy. */
export function runbookTarget(action: string, options: { target?: string; policy?: string; undo?: boolean }): RunbookTarget {
  if (!(runbookActions as readonly string[]).includes(action)) throw new PalisadeError('invalid_argument', `unknown runbook action "${action.slice(0, 40)}" (one of ${runbookActions.join(', ')})`);
  const plan = plans[action as RunbookAction];
  const target = options.target === '' ? undefined : options.target;
  let scope: SwitchScope;
  let id: string;
  if (plan.scope === 'global') {
    if (target !== undefined) throw new PalisadeError('invalid_argument', `${action} takes no target: it covers every request`);
    scope = 'global';
    id = GLOBAL_SWITCH_ID;
  } else if (plan.scope === 'tenant-or-global') {
    scope = target === undefined ? 'global' : 'tenant';
    id = target ?? GLOBAL_SWITCH_ID;
  } else {
    if (target === undefined) throw new PalisadeError('invalid_argument', `${action} needs a target: the ${plan.scope} id`);
    scope = plan.scope;
    id = target;
  }
  if (options.undo === true && options.policy !== undefined) throw new PalisadeError('invalid_argument', 'undo takes no policy');
  if (options.undo !== true && plan.policy === true && options.policy === undefined) throw new PalisadeError('invalid_argument', `${action} needs the policy version to force (a hash, a unique prefix or a name)`);
  if (plan.policy !== true && options.policy !== undefined) throw new PalisadeError('invalid_argument', `${action} takes no policy`);
  const effect: RunbookTarget['effect'] = plan.state === 'off' ? { kind: 'off' } : plan.tools === true ? { kind: 'tools' } : { kind: 'policy', ...(options.policy === undefined ? {} : { policy: options.policy }) };
  return { scope, id, effect };
}

/**
 * The flip an action makes on its switch, given the switch's state now (`current`: its last
 * flip, unless that was `on` or has expired). Several actions share a switch (`tenant/acme` is
 * frozen by freeze-tenant, degraded by revoke-tools and force-policy), so an action adds to what
 * the switch already does and an undo takes away only its own part — never more:
 *
 * - `off` actions switch it off (whatever degrade it had is then moot); their undo turns it on,
 *   and is refused when the switch is not off (there is nothing of theirs to undo).
 * - degrade actions are refused on a switch that is off (it would lift the freeze or the drain;
 *   undo that first); otherwise they add their option to the degrade already there (a new forced
 *   policy replaces the old one). Their undo removes their option: the switch stays degraded
 *   with what is left, or turns on when nothing is.
 */
export function runbookFlip(action: string, options: { target?: string; policy?: string; undo?: boolean }, current?: Pick<RunbookFlip, 'state' | 'degrade'>): RunbookFlip {
  const { scope, id, effect } = runbookTarget(action, options);
  const now = current === undefined || current.state === 'on' ? undefined : current;
  const where = scope === 'global' ? 'the deployment' : `${scope} ${id}`;
  if (effect.kind === 'off') {
    if (options.undo !== true) return { scope, id, state: 'off' };
    if (now?.state !== 'off') throw new PalisadeError('invalid_argument', `${where} is not switched off, so there is no ${action} to undo`);
    return { scope, id, state: 'on' };
  }
  if (now?.state === 'off') throw new PalisadeError('invalid_argument', `${where} is switched off (frozen, disabled or drained); ${options.undo === true ? 'undoing' : 'degrading'} it would lift that: undo the off action first`);
  const degrade: DegradeOptions = { ...now?.degrade };
  if (options.undo === true) {
    if (effect.kind === 'tools') {
      if (degrade.tools === undefined) throw new PalisadeError('invalid_argument', `${where} does not have its tools disabled, so there is no ${action} to undo`);
      delete degrade.tools;
    } else {
      if (degrade.policy === undefined) throw new PalisadeError('invalid_argument', `${where} has no forced policy, so there is no ${action} to undo`);
      delete degrade.policy;
    }
  } else if (effect.kind === 'tools') degrade.tools = 'disabled';
  else degrade.policy = effect.policy as string;
  return degrade.tools === undefined && degrade.policy === undefined ? { scope, id, state: 'on' } : { scope, id, state: 'degrade', degrade };
}
