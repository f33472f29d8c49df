import type { Writable } from 'node:stream';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { rolloutToWire, shadowExampleToWire, shadowSummaryToWire } from '../gateway/admin/operations-wire.js';
import type { PolicyVersionStore } from '../ops/rollouts/policy-version-store.js';
import { isRolloutPercent, MAX_ROLLOUT_STAGES, MAX_SCHEDULE_MINUTES, rolloutBucketBys, rolloutModes, type Rollout, type RolloutBucketBy, type RolloutMode } from '../ops/rollouts/rollout.js';
import { beginRollout, changeRollout, DEFAULT_ROLLOUT_STAGES, rolloutIdOf, type RolloutCommand } from '../ops/rollouts/rollout-actions.js';
import type { ShadowArmCounts, ShadowSummary } from '../ops/rollouts/shadow-store.js';
import { exitCodes } from './exit-codes.js';
import { CLI_ACTOR, parseDuration, parseWholeNumber, quoted, withOperationStores } from './operation-stores.js';

function parseStages(value: string): number[] {
  const stages = value.split(',').map((part) => (part.trim() === '' ? NaN : Number(part.trim())));
  const increasing = stages.every((stage, index) => index === 0 || stage > (stages[index - 1] as number));
  if (stages.length === 0 || stages.length > MAX_ROLLOUT_STAGES || !stages.every(isRolloutPercent) || !increasing) {
    throw new PalisadeError('invalid_argument', `--stages takes 1 to ${MAX_ROLLOUT_STAGES} increasing percents from 0 to 100, comma-separated, e.g. 1,5,25,100; got "${value.slice(0, 60)}"`);
  }
  return stages;
}

function parsePercent(value: string, option: string): number {
  const percent = value.trim() === '' ? NaN : Number(value);
  if (!isRolloutPercent(percent)) throw new PalisadeError('invalid_argument', `${option} takes a percent from 0 to 100 in steps of 0.01, got "${value.slice(0, 40)}"`);
  return percent;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new PalisadeError('invalid_argument', `${option} takes one of ${allowed.join(', ')}, got "${value.slice(0, 40)}"`);
  return value as T;
}

export interface RolloutStartOptions {
  config: GatewayConfig;
  candidate: string;
  stages?: string;
  bucketBy: string;
  mode: string;
  every?: string;
  reason?: string;
  incident?: string;
  stdout: Writable;
}

/** `palisade rollout start HASH`: a staged rollout of a pushed version, shadow mode by default. */
export async function rolloutStart(options: RolloutStartOptions): Promise<number> {
  const stages = options.stages === undefined ? [...DEFAULT_ROLLOUT_STAGES] : parseStages(options.stages);
  const bucketBy = oneOf<RolloutBucketBy>(options.bucketBy, rolloutBucketBys, '--bucket-by');
  const mode = oneOf<RolloutMode>(options.mode, rolloutModes, '--mode');
  let everyMinutes: number | undefined;
  if (options.every !== undefined) {
    const ms = parseDuration(options.every, '--every');
    if (ms % 60_000 !== 0 || ms / 60_000 > MAX_SCHEDULE_MINUTES) throw new PalisadeError('invalid_argument', `--every takes whole minutes, from 1m to ${MAX_SCHEDULE_MINUTES / 1440}d, e.g. 30m or 2h`);
    everyMinutes = ms / 60_000;
  }
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const rollout = await beginRollout(
      { versions: stores.policyVersions, rollouts: stores.rollouts, record, incidents: stores.incidents },
      {
        candidate: options.candidate,
        stages,
        bucketBy,
        mode,
        actor: CLI_ACTOR,
        now: new Date(),
        ...(everyMinutes === undefined ? {} : { everyMinutes }),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
        ...(options.incident === undefined ? {} : { incidentId: options.incident }),
      },
    );
    options.stdout.write(
      `started ${rollout.id}: ${rollout.candidate} at ${rollout.percent} % in ${rollout.mode} mode, bucketed by ${rollout.bucketBy}; stages ${rollout.stages.join(', ')}; ${everyMinutes === undefined ? 'advance it by hand (palisade rollout advance)' : `advances every ${everyMinutes} minutes while healthy`}\n`,
    );
    return exitCodes.ok;
  });
}

async function versionName(versions: PolicyVersionStore, hash: string): Promise<string> {
  return (await versions.get(hash))?.name ?? 'unknown';
}

const rate = (counts: ShadowArmCounts): string => `${(counts.blockRate * 100).toFixed(1)} % (${counts.blocked})`;

function shadowLines(summary: ShadowSummary, rolloutId: string): string[] {
  const lines = [
    `shadow comparison (every replica)${summary.countedFrom === undefined ? '' : `, counted from ${summary.countedFrom.toISOString()}`}:`,
    `  compared ${summary.compared}, disagreements ${summary.disagreements}`,
    `  blocked: active ${rate(summary.active)}, candidate ${rate(summary.candidate)}`,
  ];
  if (summary.byCategory.length > 0) {
    lines.push('  by category:');
    for (const entry of summary.byCategory) lines.push(`    ${entry.category.padEnd(32)} active ${rate(entry.active)}, candidate ${rate(entry.candidate)}`);
  }
  if (summary.exampleIds.length > 0) lines.push(`  examples: ${summary.exampleIds.join(', ')} (palisade rollout disagreements ${rolloutId})`);
  return lines;
}

/**
 * `palisade rollout status [ID]`: a rollout (default: the running one), its shadow comparison and
 * its latest transitions. Health windows live in each replica's memory: the admin API shows them.
 */
export async function rolloutStatus(options: { config: GatewayConfig; id?: string; since?: string; transitions: number; json: boolean; stdout: Writable }): Promise<number> {
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since !== undefined && Number.isNaN(since.getTime())) throw new PalisadeError('invalid_argument', `--since takes a date or time (ISO 8601), got "${(options.since as string).slice(0, 40)}"`);
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    let rollout: Rollout | undefined;
    if (options.id === undefined) {
      rollout = await stores.rollouts.current();
      if (rollout === undefined) {
        const [active, [latest]] = await Promise.all([stores.rollouts.activeVersion(), stores.rollouts.list({ limit: 1 })]);
        if (options.json) options.stdout.write(`${JSON.stringify({ rollout: null, active: active?.hash ?? null, latest: latest === undefined ? null : rolloutToWire(latest) })}\n`);
        else {
          options.stdout.write(`no rollout is running; the active version is ${active === undefined ? 'none yet' : `${active.hash} (${await versionName(stores.policyVersions, active.hash)})`}\n`);
          if (latest !== undefined) options.stdout.write(`latest: ${latest.id} ${latest.status.replace('_', ' ')} at ${(latest.endedAt ?? latest.startedAt).toISOString()}\n`);
        }
        return exitCodes.ok;
      }
    } else {
      rollout = await stores.rollouts.get(options.id);
      if (rollout === undefined) throw new PalisadeError('not_found', `no rollout ${options.id}`);
    }
    const summary = await stores.shadow.summary({ rolloutId: rollout.id, ...(since === undefined ? {} : { since }) });
    if (options.json) {
      options.stdout.write(`${JSON.stringify({ ...rolloutToWire(rollout), report: { shadow: shadowSummaryToWire(summary) } })}\n`);
      return exitCodes.ok;
    }
    const lines = [
      `${rollout.id}  ${rollout.status.replace('_', ' ')}  ${rollout.mode} mode  ${rollout.percent} % (stages ${rollout.stages.join(', ')})  bucketed by ${rollout.bucketBy.replace('_', ' ')}`,
      `  candidate  ${rollout.candidate} (${await versionName(stores.policyVersions, rollout.candidate)})`,
      `  baseline   ${rollout.baseline} (${await versionName(stores.policyVersions, rollout.baseline)})`,
      `  started    ${rollout.startedAt.toISOString()} by ${rollout.startedBy}; ${rollout.schedule === undefined ? 'advanced by hand' : `advances every ${rollout.schedule.everyMinutes} minutes while healthy`}`,
      ...shadowLines(summary, rollout.id),
      `transitions (latest ${Math.min(options.transitions, rollout.history.length)} of ${rollout.history.length}):`,
      ...rollout.history.slice(-options.transitions).map((change) => `  ${change.at.toISOString()}  ${change.kind.replace('_', ' ').padEnd(9)} ${change.fromPercent} → ${change.toPercent} %  by ${change.by}${change.reason === undefined ? '' : `  ${quoted(change.reason)}`}`),
      ...(rollout.status === 'running' ? ['health windows are kept by each gateway replica: GET /admin/v1/rollouts/current on a replica shows its own'] : []),
    ];
    options.stdout.write(`${lines.join('\n')}\n`);
    return exitCodes.ok;
  });
}

const done: Readonly<Record<RolloutCommand, string>> = { advance: 'advanced', complete: 'completed', roll_back: 'rolled back', abort: 'aborted' };

/** `palisade rollout advance|complete|rollback|abort [ID]`: one transition of a rollout (default: the running one), audited. */
export async function rolloutChange(options: { config: GatewayConfig; kind: RolloutCommand; id?: string; to?: string; reason?: string; incident?: string; stdout: Writable }): Promise<number> {
  const to = options.to === undefined ? undefined : parsePercent(options.to, '--to');
  if (options.kind === 'roll_back' && (options.reason === undefined || options.reason.trim() === '')) throw new PalisadeError('invalid_argument', '--reason is required to roll back: it is what the on-call reads first');
  return withOperationStores(options.config, { limits: false }, async ({ stores, record }) => {
    const rollout = await changeRollout(
      { versions: stores.policyVersions, rollouts: stores.rollouts, record, incidents: stores.incidents },
      {
        kind: options.kind,
        rolloutId: options.id ?? 'current',
        actor: CLI_ACTOR,
        now: new Date(),
        ...(to === undefined ? {} : { to }),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
        ...(options.incident === undefined ? {} : { incidentId: options.incident }),
      },
    );
    const change = rollout.history.at(-1);
    options.stdout.write(`${rollout.id}: ${done[options.kind]} ${change?.fromPercent ?? '?'} → ${rollout.percent} %; gateways apply it at their next read (operations.rollouts.refresh_ms)\n`);
    return exitCodes.ok;
  });
}

/** `palisade rollout disagreements [ID]`: the kept shadow disagreements, newest first, redacted when they were recorded. */
export async function rolloutDisagreements(options: { config: GatewayConfig; id?: string; limit: string; json: boolean; stdout: Writable }): Promise<number> {
  const limit = parseWholeNumber(options.limit, { option: '--limit', min: 1, max: 1000 });
  return withOperationStores(options.config, { limits: false }, async ({ stores }) => {
    const rolloutId = await rolloutIdOf(stores.rollouts, options.id ?? 'current');
    if ((await stores.rollouts.get(rolloutId)) === undefined) throw new PalisadeError('not_found', `no rollout ${rolloutId}`);
    const examples = await stores.shadow.examples({ rolloutId, limit });
    if (options.json) for (const example of examples) options.stdout.write(`${JSON.stringify(shadowExampleToWire(example))}\n`);
    else if (examples.length === 0) options.stdout.write(`no disagreements kept for ${rolloutId}\n`);
    else {
      for (const example of examples) {
        const verdict = (arm: { action: string; categories: string[] }) => `${arm.action}${arm.categories.length === 0 ? '' : ` [${arm.categories.join(', ')}]`}`;
        options.stdout.write(`${example.at.toISOString()}\t${example.requestId}\t${example.tenantId}\t${example.stage}\tactive ${verdict(example.active)} → candidate ${verdict(example.candidate)}\n`);
        if (example.example !== undefined) options.stdout.write(`  example: ${quoted(example.example)}\n`);
      }
    }
    return exitCodes.ok;
  });
}
