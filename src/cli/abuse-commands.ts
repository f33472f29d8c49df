import type { Writable } from 'node:stream';
import { abusePolicyFromConfig } from '../abuse-policy-from-config.js';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { abuseOverrideToWire } from '../gateway/admin/operations-wire.js';
import { abuseStateChangeEvent, abuseSubject, resetAbuseScore } from '../ops/abuse/abuse-actions.js';
import { createAbuseResponse, type AbuseResponse, type AbuseStatus } from '../ops/abuse/abuse-response.js';
import type { AbuseOverride } from '../ops/abuse/abuse-override-store.js';
import { abuseStates, type AbuseState, type AbuseSubject } from '../ops/abuse/abuse-score-store.js';
import { exitCodes } from './exit-codes.js';
import { CLI_ACTOR, parseDuration, quoted, withOperationStores, type OperationStores } from './operation-stores.js';

/**
 * Without Redis every gateway process keeps its abuse scores in its own memory: the CLI cannot
 * see them (it would see a store of its own, always empty), so it says so instead of "normal".
 * Overrides are in the database, so they work either way.
 */
const SCORES_ELSEWHERE = 'unknown here: without Redis (PALISADE_REDIS_URL) each gateway process keeps its own abuse scores in memory';
/** How long a replica serves its cached overrides (`AbuseResponse`'s default reload interval). */
const OVERRIDE_RELOAD_SECONDS = 5;

function requireEnabled(config: GatewayConfig): void {
  if (!config.operations.abuse.enabled) throw new PalisadeError('invalid_argument', 'abuse response is disabled (operations.abuse.enabled: false)');
}

function sharedScores(config: GatewayConfig): boolean {
  return config.redisUrl !== undefined;
}

/** An abuse response over the shared stores, recording each state change it makes as the gateway does. */
function abuseResponse(opened: OperationStores, config: GatewayConfig, pending: Promise<void>[], adjust: (data: Record<string, unknown>) => void): AbuseResponse {
  return createAbuseResponse({
    scores: (opened.limitStores as NonNullable<OperationStores['limitStores']>).abuseScores,
    overrides: opened.stores.abuseOverrides,
    policy: abusePolicyFromConfig(config.operations.abuse),
    onStateChange: (change) => {
      const event = abuseStateChangeEvent(change);
      adjust(event.data);
      pending.push(opened.record(event));
    },
  });
}

function describeStatus(subject: AbuseSubject, status: AbuseStatus): string {
  return `${subject.kind} ${subject.id}: ${status.state}${status.until === undefined ? '' : ` until ${status.until.toISOString()}`} (${status.source}${status.reason === undefined ? '' : `, reason ${quoted(status.reason)}`})`;
}

function describeOverride(override: AbuseOverride): string {
  return `${override.subject.kind}\t${override.subject.id}\t${override.state}\t${override.until === undefined ? 'until cleared' : `until ${override.until.toISOString()}`}\tby ${override.by} at ${override.at.toISOString()}\treason ${quoted(override.reason)}`;
}

/** `palisade abuse status <kind> <id>`: the override in force, and the automatic state when the scores are shared (Redis). */
export async function abuseStatus(options: { config: GatewayConfig; kind: string; id: string; stdout: Writable }): Promise<number> {
  const subject = abuseSubject(options.kind, options.id);
  requireEnabled(options.config);
  return withOperationStores(options.config, { limits: sharedScores(options.config) }, async (opened) => {
    if (opened.limitStores !== undefined) {
      const status = await abuseResponse(opened, options.config, [], () => {}).state(subject);
      options.stdout.write(`${describeStatus(subject, status)}\n`);
      return exitCodes.ok;
    }
    const override = await opened.stores.abuseOverrides.get(subject, { now: new Date() });
    options.stdout.write(override === undefined ? `${subject.kind} ${subject.id}: no override in force\n` : `${subject.kind} ${subject.id}: ${override.state}${override.until === undefined ? '' : ` until ${override.until.toISOString()}`} (override by ${override.by}, reason ${quoted(override.reason)})\n`);
    options.stdout.write(`automatic state: ${SCORES_ELSEWHERE}; ask a replica: GET /admin/v1/abuse/${subject.kind}/${encodeURIComponent(subject.id)}\n`);
    return exitCodes.ok;
  });
}

/** `palisade abuse overrides`: every override in force, newest first. */
export async function abuseOverrides(options: { config: GatewayConfig; json: boolean; stdout: Writable }): Promise<number> {
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const overrides = await stores.abuseOverrides.listActive({ now: new Date() });
    if (options.json) for (const override of overrides) options.stdout.write(`${JSON.stringify(abuseOverrideToWire(override))}\n`);
    else if (overrides.length === 0) options.stdout.write('no overrides in force\n');
    else for (const override of overrides) options.stdout.write(`${describeOverride(override)}\n`);
    return exitCodes.ok;
  });
}

/** `palisade abuse override <kind> <id> <state> --reason …`: an operator's state for a subject, audited as the admin API's is. */
export async function abuseOverride(options: { config: GatewayConfig; kind: string; id: string; state: string; reason: string; for?: string; stdout: Writable }): Promise<number> {
  const subject = abuseSubject(options.kind, options.id);
  if (!(abuseStates as readonly string[]).includes(options.state)) throw new PalisadeError('invalid_argument', `the state must be one of ${abuseStates.join(', ')}, got "${options.state.slice(0, 40)}"`);
  if (options.reason.trim() === '') throw new PalisadeError('invalid_argument', '--reason must say why');
  const forMs = options.for === undefined ? undefined : parseDuration(options.for, '--for');
  requireEnabled(options.config);
  return withOperationStores(options.config, { limits: true }, async (opened) => {
    const now = new Date();
    const previous = await opened.stores.abuseOverrides.get(subject, { now });
    const pending: Promise<void>[] = [];
    // Without shared scores the state before an override that replaced none is the automatic one, which the CLI cannot see.
    const adjust = (data: Record<string, unknown>): void => {
      if (!sharedScores(options.config) && previous === undefined) data.from = 'unknown';
    };
    const status = await abuseResponse(opened, options.config, pending, adjust).override({ subject, state: options.state as AbuseState, reason: options.reason, by: CLI_ACTOR, ...(forMs === undefined ? {} : { until: new Date(now.getTime() + forMs) }) });
    await Promise.all(pending);
    options.stdout.write(`${describeStatus(subject, status)}; gateways apply it within ${OVERRIDE_RELOAD_SECONDS} s\n`);
    return exitCodes.ok;
  });
}

/** `palisade abuse clear <kind> <id> --reason …`: lifts the override; the automatic state applies again. */
export async function abuseClear(options: { config: GatewayConfig; kind: string; id: string; reason: string; stdout: Writable }): Promise<number> {
  const subject = abuseSubject(options.kind, options.id);
  if (options.reason.trim() === '') throw new PalisadeError('invalid_argument', '--reason must say why');
  requireEnabled(options.config);
  return withOperationStores(options.config, { limits: true }, async (opened) => {
    if ((await opened.stores.abuseOverrides.get(subject, { now: new Date() })) === undefined) throw new PalisadeError('not_found', `no override is in force for ${subject.kind} ${subject.id}`);
    const pending: Promise<void>[] = [];
    const adjust = (data: Record<string, unknown>): void => {
      if (!sharedScores(options.config)) data.to = 'unknown';
    };
    const status = await abuseResponse(opened, options.config, pending, adjust).clearOverride({ subject, by: CLI_ACTOR, reason: options.reason });
    await Promise.all(pending);
    options.stdout.write(
      sharedScores(options.config)
        ? `override cleared; ${describeStatus(subject, status)}; gateways apply it within ${OVERRIDE_RELOAD_SECONDS} s\n`
        : `override cleared for ${subject.kind} ${subject.id}; gateways apply it within ${OVERRIDE_RELOAD_SECONDS} s; automatic state: ${SCORES_ELSEWHERE}\n`,
    );
    return exitCodes.ok;
  });
}

/** `palisade abuse reset <kind> <id> --reason …`: forgets the automatic score; needs the shared (Redis) scores. */
export async function abuseReset(options: { config: GatewayConfig; kind: string; id: string; reason: string; stdout: Writable }): Promise<number> {
  const subject = abuseSubject(options.kind, options.id);
  if (options.reason.trim() === '') throw new PalisadeError('invalid_argument', '--reason must say why');
  requireEnabled(options.config);
  if (!sharedScores(options.config)) throw new PalisadeError('invalid_argument', `the score cannot be reset from here: ${SCORES_ELSEWHERE}; reset it on each replica: POST /admin/v1/abuse/${subject.kind}/${encodeURIComponent(subject.id)}/reset`);
  return withOperationStores(options.config, { limits: true }, async (opened) => {
    const { before, after } = await resetAbuseScore({ abuse: abuseResponse(opened, options.config, [], () => {}), record: opened.record }, { subject, reason: options.reason, actor: CLI_ACTOR, now: new Date() });
    options.stdout.write(`score reset (was ${before.state}); ${describeStatus(subject, after)}\n`);
    return exitCodes.ok;
  });
}
