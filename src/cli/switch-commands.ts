import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { switchToWire } from '../gateway/admin/operations-wire.js';
import { openSwitchFlips } from '../open-switch-flips.js';
import { flipSwitch, switchTargetId } from '../ops/switches/flip-switch.js';
import { switchScopes, switchStateAt, switchStates, type SwitchRecord, type SwitchScope, type SwitchState } from '../ops/switches/switch-store.js';
import { exitCodes } from './exit-codes.js';
import { CLI_ACTOR, parseDuration, parseWholeNumber, quoted, withOperationStores } from './operation-stores.js';

function parseScope(value: string): SwitchScope {
  if (!(switchScopes as readonly string[]).includes(value)) throw new PalisadeError('invalid_argument', `the scope must be one of ${switchScopes.join(', ')}, got "${value.slice(0, 40)}"`);
  return value as SwitchScope;
}

function switchLine(record: SwitchRecord, now: Date): string {
  const parts = [`${record.scope}/${record.id}`, switchStateAt(record, now) === record.state ? record.state : `${record.state} (expired: on)`];
  if (record.degrade !== undefined) {
    const what = [record.degrade.tools === undefined ? undefined : 'tools disabled', record.degrade.policy === undefined ? undefined : `policy ${record.degrade.policy.slice(0, 12)}…`].filter((part) => part !== undefined);
    parts.push(what.join(', '));
  }
  parts.push(record.expiresAt === undefined ? 'no expiry' : `until ${record.expiresAt.toISOString()}`, `by ${record.actor} at ${record.at.toISOString()}`, `v${record.version}`);
  if (record.incidentId !== undefined) parts.push(`incident ${record.incidentId}`);
  parts.push(`reason ${quoted(record.reason)}`);
  return parts.join('\t');
}

/** `palisade switch list`: the switches not on (with `--all`, every switch ever flipped). */
export async function switchList(options: { config: GatewayConfig; all: boolean; json: boolean; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const now = new Date();
    const snapshot = await stores.switches.list();
    const shown = options.all ? snapshot.switches : snapshot.switches.filter((record) => switchStateAt(record, now) !== 'on');
    if (options.json) options.stdout.write(`${JSON.stringify({ version: snapshot.version, data: shown.map((record) => switchToWire(record, now)) })}\n`);
    else if (shown.length === 0) options.stdout.write(options.all ? 'no switch was ever flipped\n' : `every switch is on (version ${snapshot.version})\n`);
    else options.stdout.write(`${shown.map((record) => switchLine(record, now)).join('\n')}\n`);
    return exitCodes.ok;
  });
}

/** `palisade switch history`: every flip kept, newest first. */
export async function switchHistory(options: { config: GatewayConfig; scope?: string; id?: string; limit: string; stdout: Writable }): Promise<number> {
  const scope = options.scope === undefined ? undefined : parseScope(options.scope);
  if (options.id !== undefined && scope === undefined) throw new PalisadeError('invalid_argument', '--id needs --scope');
  const limit = parseWholeNumber(options.limit, { option: '--limit', min: 1, max: 1000 });
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const now = new Date();
    const records = await stores.switches.history({ limit, ...(scope === undefined ? {} : { scope }), ...(scope === undefined || options.id === undefined ? {} : { id: switchTargetId(scope, options.id) }) });
    options.stdout.write(records.length === 0 ? 'no flips\n' : `${records.map((record) => switchLine(record, now)).join('\n')}\n`);
    return exitCodes.ok;
  });
}

export interface SwitchSetOptions {
  config: GatewayConfig;
  scope: string;
  id: string;
  state: string;
  reason?: string;
  tools?: string;
  policy?: string;
  for?: string;
  incident?: string;
  stdout: Writable;
  stderr: Writable;
}

/**
 * `palisade switch set` (and `kill`, `unkill`): one flip, made as the admin API makes it, and
 * announced so that running replicas apply it within a second: published on Redis when it is
 * configured, NOTIFYed by PostgreSQL, or re-read from the SQLite file every second.
 */
export async function switchSet(options: SwitchSetOptions): Promise<number> {
  const scope = parseScope(options.scope);
  if (!(switchStates as readonly string[]).includes(options.state)) throw new PalisadeError('invalid_argument', `the state must be one of ${switchStates.join(', ')}, got "${options.state.slice(0, 40)}"`);
  const state = options.state as SwitchState;
  if (options.reason === undefined || options.reason.trim() === '') throw new PalisadeError('invalid_argument', '--reason is required: say why (it is kept in the history and the audit log)');
  if (options.tools !== undefined && options.tools !== 'disabled') throw new PalisadeError('invalid_argument', '--tools takes only "disabled"');
  if (state !== 'degrade' && (options.tools !== undefined || options.policy !== undefined)) throw new PalisadeError('invalid_argument', '--tools and --policy are for the degrade state only');
  if (state === 'degrade' && options.tools === undefined && options.policy === undefined) throw new PalisadeError('invalid_argument', 'degrade needs --tools disabled, --policy <version>, or both');
  if (state === 'on' && options.for !== undefined) throw new PalisadeError('invalid_argument', '--for is not for the on state (on is what an expiry goes back to)');
  const forMs = options.for === undefined ? undefined : parseDuration(options.for, '--for');
  return withOperationStores(options.config, { limits: true }, async ({ stores, limitStores, record }) => {
    let published = true;
    const flips = await openSwitchFlips({
      stores,
      limitStores: limitStores ?? {},
      listen: false,
      onNotifierError: (error) => options.stderr.write(`palisade: warning: kill-switch notices are unavailable (${String(error)}); running gateways apply the flip at their periodic re-read (operations.switches.refresh_ms)\n`),
      onPublishError: () => {
        published = false;
      },
    });
    const now = new Date();
    const result = await flipSwitch(
      { switches: flips.switches, versions: stores.policyVersions, record, incidents: stores.incidents },
      {
        scope,
        id: options.id,
        state,
        reason: options.reason as string,
        actor: CLI_ACTOR,
        now,
        ...(options.tools === undefined && options.policy === undefined ? {} : { degrade: { ...(options.tools === undefined ? {} : { tools: 'disabled' as const }), ...(options.policy === undefined ? {} : { policy: options.policy }) } }),
        ...(forMs === undefined ? {} : { expiresAt: new Date(now.getTime() + forMs) }),
        ...(options.incident === undefined ? {} : { incidentId: options.incident }),
      },
    );
    if (!published) options.stderr.write('palisade: warning: the flip is stored but could not be announced on Redis; running gateways apply it at their periodic re-read (operations.switches.refresh_ms)\n');
    const { current } = result;
    const how = flips.notifier !== undefined ? 'announced to every gateway over Redis' : options.config.databaseUrl !== undefined ? 'announced to every gateway through PostgreSQL' : 'gateways on this SQLite file apply it within a second';
    options.stdout.write(`${current.scope}/${current.id}: ${current.state} (was ${result.previousState}), version ${result.version}${current.expiresAt === undefined ? '' : `, until ${current.expiresAt.toISOString()}`}; ${how}\n`);
    if (current.degrade?.policy !== undefined) options.stdout.write(`forced policy version ${current.degrade.policy}\n`);
    return exitCodes.ok;
  });
}
