/**
 * What the operations commands (`switch`, `kill`, `policy push|activate`, `rollout`, `abuse`)
 * work on: the gateway's database, as `palisade keys` does (`withStores`), and, for the commands
 * that need them, the limit stores (Redis when `PALISADE_REDIS_URL` is set: the switch notices
 * and the abuse scores every replica shares). They act as `cli` and audit what they change like
 * the admin API, with the same events.
 */
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { openLimitStores, type LimitStores, type Stores } from '../main.js';
import type { RecordOperatorEvent } from '../ops/operator-event.js';
import { withStores } from './admin-commands.js';

export const CLI_ACTOR = 'cli';

export interface OperationStores {
  stores: Stores;
  /** Opened only for the commands that ask for them. */
  limitStores?: LimitStores;
  record: RecordOperatorEvent;
}

export async function withOperationStores<T>(config: GatewayConfig, options: { limits: boolean }, run: (opened: OperationStores) => Promise<T>): Promise<T> {
  return withStores(config, async (stores, append) => {
    // The writer stamps the actor (`cli`) and the time itself.
    const record: RecordOperatorEvent = async ({ actor: _actor, time: _time, ...event }) => append(event);
    if (!options.limits) return run({ stores, record });
    const limitStores = await openLimitStores(config);
    try {
      return await run({ stores, limitStores, record });
    } finally {
      await limitStores.close();
    }
  });
}

const durationUnits: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_DURATION_MS = 366 * 86_400_000;

/** `30s`, `30m`, `2h`, `1d`: milliseconds, at most 366 days. */
export function parseDuration(value: string, option: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  const ms = match === null ? NaN : Number(match[1]) * (durationUnits[match[2] as string] as number);
  if (!(ms > 0 && ms <= MAX_DURATION_MS)) throw new PalisadeError('invalid_argument', `${option} takes a duration such as 30s, 30m, 2h or 1d (at most 366 days), got "${value.slice(0, 40)}"`);
  return ms;
}

/** A whole number in a range, from an option's text. */
export function parseWholeNumber(value: string, options: { option: string; min: number; max: number }): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(Number.isSafeInteger(number) && number >= options.min && number <= options.max)) throw new PalisadeError('invalid_argument', `${options.option} takes a whole number from ${options.min} to ${options.max}, got "${value.slice(0, 40)}"`);
  return number;
}

/** Operator text printed on a terminal: as a JSON string, so no control character gets through. */
export function quoted(text: string, max = 500): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}
