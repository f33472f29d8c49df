/**
 * What a kill-switch flip or a runbook move will do, in words, for the confirmation dialogs: the
 * person about to stop a model reads "All requests for model X will be refused with 503" before
 * the flip is sent. The semantics are the gateway's (docs/operations.md, "Kill switches" and
 * "Runbook actions"); the API decides, this only explains.
 */
import type { RunbookAction, SwitchScope, SwitchState } from '../api/operations-wire.js';

export interface PlannedFlip {
  scope: SwitchScope;
  id: string;
  state: SwitchState;
  degrade?: { tools?: boolean; policy?: string };
  expiresInSeconds?: number;
}

/** The requests a switch covers, as the subject of a sentence. */
export function switchSubject(scope: SwitchScope, id: string): string {
  switch (scope) {
    case 'global':
      return 'All new requests';
    case 'model':
      return `All requests for model ${id}`;
    case 'route':
      return `All requests on the policy route ${id}`;
    case 'tool':
      return `All requests that offer the tool ${id}`;
    case 'tenant':
      return `All requests of tenant ${id}`;
    case 'key':
      return `All requests made with the key ${id}`;
    case 'detector':
      return `All requests whose policy runs the detector ${id}`;
  }
}

/** `90 seconds`, `30 minutes`, `2 hours`, `1 day`: the largest whole unit. */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${name}${seconds === size ? '' : 's'}`;
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** One or two sentences: what the flip will do to the requests it covers. */
export function describeFlip(flip: PlannedFlip): string {
  const subject = switchSubject(flip.scope, flip.id);
  const expiry = flip.expiresInSeconds === undefined || flip.state === 'on' ? '' : ` It lifts itself after ${formatDuration(flip.expiresInSeconds)}.`;
  if (flip.state === 'off') {
    const drain = flip.scope === 'global' ? ' Requests in flight finish, and /readyz answers 503 (draining) so load balancers stop sending traffic.' : '';
    return `${subject} will be refused with 503 (unavailable, with Retry-After).${drain} The error names what was asked for, never the reason.${expiry}`;
  }
  if (flip.state === 'degrade') {
    const tightened = [flip.degrade?.tools === true ? 'every tool call in the answer refused' : '', flip.degrade?.policy === undefined || flip.degrade.policy === '' ? '' : `policy version ${flip.degrade.policy} deciding them`].filter((part) => part !== '');
    const how = tightened.length === 0 ? 'tightened (choose how: tools disabled, a policy version, or both)' : `tightened: ${tightened.join(', and ')}`;
    return `${subject} will be served, ${how}.${expiry}`;
  }
  return `${subject} will no longer be stopped or tightened by this switch (other switches still apply).`;
}

export interface RunbookPlan {
  label: string;
  /** The confirm button's words. */
  verb: string;
  /** Whether the action names a target, and what it is. */
  target: { need: 'none' | 'required' | 'optional'; label: string };
  /** Force-policy needs a policy version. */
  policy: boolean;
  flip: (target: string | undefined, policy: string | undefined) => Omit<PlannedFlip, 'expiresInSeconds'>;
}

/** The runbook's moves: each a flip (src/ops/switches/runbook.ts describes the same table). */
export const runbookPlans: Readonly<Record<RunbookAction, RunbookPlan>> = {
  drain: { label: 'Drain', verb: 'Drain now', target: { need: 'none', label: '' }, policy: false, flip: () => ({ scope: 'global', id: '*', state: 'off' }) },
  'disable-model': { label: 'Disable a model', verb: 'Disable the model', target: { need: 'required', label: 'Model' }, policy: false, flip: (target) => ({ scope: 'model', id: target ?? '…', state: 'off' }) },
  'disable-route': { label: 'Disable a route', verb: 'Disable the route', target: { need: 'required', label: 'Policy route' }, policy: false, flip: (target) => ({ scope: 'route', id: target ?? '…', state: 'off' }) },
  'disable-tool': { label: 'Disable a tool', verb: 'Disable the tool', target: { need: 'required', label: 'Tool name' }, policy: false, flip: (target) => ({ scope: 'tool', id: target ?? '…', state: 'off' }) },
  'freeze-key': { label: 'Freeze a key', verb: 'Freeze the key', target: { need: 'required', label: 'Key id' }, policy: false, flip: (target) => ({ scope: 'key', id: target ?? '…', state: 'off' }) },
  'freeze-tenant': { label: 'Freeze a tenant', verb: 'Freeze the tenant', target: { need: 'required', label: 'Tenant id' }, policy: false, flip: (target) => ({ scope: 'tenant', id: target ?? '…', state: 'off' }) },
  'revoke-tools': { label: 'Revoke a tenant’s tools', verb: 'Revoke the tools', target: { need: 'required', label: 'Tenant id' }, policy: false, flip: (target) => ({ scope: 'tenant', id: target ?? '…', state: 'degrade', degrade: { tools: true } }) },
  'force-policy': {
    label: 'Force a policy',
    verb: 'Force the policy',
    target: { need: 'optional', label: 'Tenant id (empty: everyone)' },
    policy: true,
    flip: (target, policy) => ({ ...(target === undefined ? { scope: 'global' as const, id: '*' } : { scope: 'tenant' as const, id: target }), state: 'degrade', degrade: { ...(policy === undefined ? {} : { policy }) } }),
  },
};

/**
 * What a runbook move (or its undo) will do. Moves on one switch add up on the server
 * (src/ops/switches/runbook.ts): a degrade move adds to what the switch does and is refused on a
 * switch that is off; its undo takes back only its own part.
 */
export function describeRunbook(action: RunbookAction, options: { target?: string; policy?: string; undo?: boolean; expiresInSeconds?: number }): string {
  const plan = runbookPlans[action];
  const target = options.target === undefined || options.target.trim() === '' ? undefined : options.target.trim();
  const planned = plan.flip(target, options.undo === true ? undefined : options.policy);
  if (options.undo === true) {
    if (planned.state === 'off') return describeFlip({ ...planned, state: 'on' });
    const part = action === 'revoke-tools' ? 'tool calls' : 'the forced policy';
    return `Takes back ${part} on ${planned.scope === 'global' ? 'every request' : `${planned.scope} ${planned.id}`}; anything else another move set on that switch stays, and with nothing left it is back on.`;
  }
  if (planned.state === 'degrade') return `${describeFlip({ ...planned, ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }) })} It adds to what the switch already does, and is refused while the switch is off (frozen or drained).`;
  return describeFlip({ ...planned, ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }) });
}
