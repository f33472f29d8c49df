/**
 * The incident runbook's moves, by name, as the CLI (`palisade runbook …`) and the admin API
 * (`POST /admin/v1/runbook/:action`) offer them. Each is a kill-switch flip (so each is announced
 * to every replica, expires if asked, and is audited as `switch-flipped`); `undo` flips the same
 * switch back on.
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

/** The flip a runbook action makes (or, with `undo`, the flip back on). Refuses a missing or superfluous target or policy. */
export function runbookFlip(action: string, options: { target?: string; policy?: string; undo?: boolean }): RunbookFlip {
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
  if (options.undo === true) {
    if (options.policy !== undefined) throw new PalisadeError('invalid_argument', 'undo takes no policy');
    return { scope, id, state: 'on' };
  }
  if (plan.policy === true && options.policy === undefined) throw new PalisadeError('invalid_argument', `${action} needs the policy version to force (a hash, a unique prefix or a name)`);
  if (plan.policy !== true && options.policy !== undefined) throw new PalisadeError('invalid_argument', `${action} takes no policy`);
  const flip: RunbookFlip = { scope, id, state: plan.state };
  if (plan.tools === true) flip.degrade = { tools: 'disabled' };
  if (plan.policy === true) flip.degrade = { policy: options.policy as string };
  return flip;
}
