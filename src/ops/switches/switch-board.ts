/**
 * The switch board: the kill switches as one gateway replica sees them, read on every request.
 *
 * `evaluate` never touches the store: it looks the request's route, model, tenant, key, tools and
 * detectors up in maps built when the switches last changed, so it costs a few map lookups (and
 * nothing at all while every switch is on). The maps hold only switches that are not on.
 *
 * Staying current, without trusting any one mechanism:
 *
 *     start ──► subscribe to the notifier ──► read everything (list)
 *     notice "version v" (v > board.version) ──► read the changes since board.version (listSince)
 *     notice "resubscribed" ──────────────────► read everything
 *     every refreshIntervalMs (default 5 s) ──► read everything: a lost notice costs one interval
 *     the next expiresAt ─────────────────────► drop what expired (and evaluate checks it anyway)
 *
 * Reads are serialised (one at a time; notices arriving meanwhile fold into one more read), so a
 * slow read can never overwrite a newer one. A failed read keeps the last view (a kill switch
 * keeps holding while the store is down) and is retried at the next notice or interval;
 * `refreshedAt` tells how old the view is.
 *
 * Why `listSince` on a notice: a notice says only that something changed; reading the changes is
 * one indexed query returning usually one row, whatever the number of switches ever flipped (they
 * are never deleted: a switch flipped back on stays listed as on). Versions commit in order
 * (see `SwitchStore`), so "everything after v" can never skip a flip. The periodic full read is the
 * safety net for everything else (a lost notice, a store restored from a backup).
 */
import type { SwitchNotice, SwitchNotifier } from './switch-notifier.js';
import { GLOBAL_SWITCH_ID, switchStateAt, type SwitchRecord, type SwitchScope, type SwitchSnapshot, type SwitchState, type SwitchStore } from './switch-store.js';

export interface SwitchBoardOptions {
  store: SwitchStore;
  /** Brings flips from other replicas within moments; without one, only the periodic re-read does. */
  notifier?: SwitchNotifier;
  /** Every this many milliseconds the board re-reads everything (default 5,000; at least 10). */
  refreshIntervalMs?: number;
  /** Retry-After, in seconds, for a request refused by a switch that does not expire (default 30). */
  retryAfterSeconds?: number;
  /** Milliseconds since the epoch (default `Date.now()`); tests pass their own. */
  clock?: () => number;
  /** A read of the store failed; the board keeps its last view and tries again. For logs and metrics. */
  onError?: (error: unknown) => void;
}

/** What `evaluate` looks up: absent fields (and empty lists) match no switch of their scope. */
export interface SwitchRequest {
  route?: string;
  model?: string;
  tenant?: string;
  keyId?: string;
  /** The tools the request offers or calls: a tool switch covers the requests that use the tool. */
  tools?: readonly string[];
  /** The detectors the request's policy runs: a detector switch covers the requests it would check. */
  detectors?: readonly string[];
}

/** The degrade options of every degrading switch that applies, merged. */
export interface MergedDegrade {
  /** `disabled` if any of them disables tools. */
  tools?: 'disabled';
  /**
   * Every policy they force, each once, in the order they were flipped (version ascending). Which
   * one is stricter is for the policy layer to decide; apply them all.
   */
  policies: readonly string[];
}

export interface SwitchVerdict {
  /** The strongest state of the switches that apply: off > degrade > on. */
  state: SwitchState;
  /** With `degrade` only. */
  degrade?: MergedDegrade;
  /**
   * With `off` only: seconds until the request may succeed: when every off switch that applies
   * expires, until the last of them expires (at least 1); otherwise `retryAfterSeconds`.
   */
  retryAfterSeconds?: number;
  /** The switches that apply, off ones first, then by version: for the error, the audit event, metrics. Do not change them. */
  applied: readonly Readonly<SwitchRecord>[];
}

export interface SwitchBoard {
  /** The switches covering this request, now. Synchronous, no I/O. */
  evaluate(request: SwitchRequest): SwitchVerdict;
  /** Every switch not on now (expired ones excluded), by version: for the admin API and metrics. */
  active(): SwitchRecord[];
  /** The version of the set this board has read (0 before the first flip). */
  readonly version: number;
  /** When the board's view last changed (a flip read, a switch expired), by its clock. */
  readonly changedAt: Date;
  /** When the board last read the store successfully: how stale the view can be. */
  readonly refreshedAt: Date;
  /** Re-reads everything now; rejects if that read fails (the last view is kept). */
  refresh(): Promise<void>;
  /** Stops listening and re-reading; `evaluate` keeps answering from the last view. */
  close(): Promise<void>;
}

const DEFAULT_REFRESH_INTERVAL_MS = 5_000;
const MIN_REFRESH_INTERVAL_MS = 10;
const DEFAULT_RETRY_AFTER_SECONDS = 30;
/** setTimeout's largest delay; a later expiry is re-checked when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;

const ON: SwitchVerdict = Object.freeze({ state: 'on' as const, applied: Object.freeze([]) });

type Active = ReadonlyMap<SwitchScope, ReadonlyMap<string, SwitchRecord>>;

/** Reads every switch, subscribes, and starts re-reading; rejects if the first read fails. */
export async function createSwitchBoard(options: SwitchBoardOptions): Promise<SwitchBoard> {
  const board = new SwitchBoardImplementation(options);
  try {
    await board.refresh();
  } catch (error) {
    await board.close();
    throw error;
  }
  return board;
}

class SwitchBoardImplementation implements SwitchBoard {
  readonly #store: SwitchStore;
  readonly #clock: () => number;
  readonly #retryAfterSeconds: number;
  readonly #onError: (error: unknown) => void;
  readonly #unsubscribe: (() => void) | undefined;
  readonly #interval: ReturnType<typeof setInterval>;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  #active: Active = new Map();
  #count = 0;
  #version = 0;
  #changedAt: number;
  #refreshedAt = 0;

  /** The read running now, if any, and what to read once it is done. */
  #reading: Promise<void> | undefined;
  #next: 'none' | 'changes' | 'all' = 'none';
  #lastFullReadError: { error: unknown } | undefined;

  constructor(options: SwitchBoardOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? (() => Date.now());
    this.#retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
    this.#onError = options.onError ?? (() => {});
    this.#changedAt = this.#clock();
    const intervalMs = Math.max(MIN_REFRESH_INTERVAL_MS, options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS);
    // Subscribed before the first read, so a flip made while it runs is not missed.
    this.#unsubscribe = options.notifier?.subscribe((notice) => this.#hear(notice));
    this.#interval = setInterval(() => void this.#read('all').catch(() => {}), intervalMs);
    this.#interval.unref();
  }

  get version(): number {
    return this.#version;
  }

  get changedAt(): Date {
    return new Date(this.#changedAt);
  }

  get refreshedAt(): Date {
    return new Date(this.#refreshedAt);
  }

  evaluate(request: SwitchRequest): SwitchVerdict {
    if (this.#count === 0) return ON;
    const now = this.#clock();
    let applied: SwitchRecord[] | undefined;
    applied = this.#match(applied, 'global', GLOBAL_SWITCH_ID, now);
    applied = this.#match(applied, 'route', request.route, now);
    applied = this.#match(applied, 'model', request.model, now);
    applied = this.#match(applied, 'tenant', request.tenant, now);
    applied = this.#match(applied, 'key', request.keyId, now);
    if (request.tools !== undefined) for (const tool of request.tools) applied = this.#match(applied, 'tool', tool, now);
    if (request.detectors !== undefined) for (const detector of request.detectors) applied = this.#match(applied, 'detector', detector, now);
    return applied === undefined ? ON : this.#verdict(applied, now);
  }

  active(): SwitchRecord[] {
    const now = this.#clock();
    const records: SwitchRecord[] = [];
    for (const byId of this.#active.values()) for (const record of byId.values()) if (switchStateAt(record, now) !== 'on') records.push(structuredClone(record));
    return records.sort((a, b) => a.version - b.version);
  }

  async refresh(): Promise<void> {
    await this.#read('all');
    if (this.#lastFullReadError !== undefined) throw this.#lastFullReadError.error;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    clearInterval(this.#interval);
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    await this.#reading;
  }

  #match(applied: SwitchRecord[] | undefined, scope: SwitchScope, id: string | undefined, now: number): SwitchRecord[] | undefined {
    if (id === undefined) return applied;
    const record = this.#active.get(scope)?.get(id);
    // The expiry timer may not have fired yet (a busy event loop): an expired switch never applies.
    if (record === undefined || (record.expiresAt !== undefined && now >= record.expiresAt.getTime())) return applied;
    if (applied === undefined) return [record];
    if (!applied.includes(record)) applied.push(record);
    return applied;
  }

  #verdict(applied: SwitchRecord[], now: number): SwitchVerdict {
    applied.sort((a, b) => strength(b.state) - strength(a.state) || a.version - b.version);
    const strongest = applied[0]?.state ?? 'on';
    if (strongest === 'off') return { state: 'off', retryAfterSeconds: this.#retryAfter(applied, now), applied };
    const degrade: { tools?: 'disabled'; policies: string[] } = { policies: [] };
    for (const record of applied) {
      if (record.degrade?.tools === 'disabled') degrade.tools = 'disabled';
      const policy = record.degrade?.policy;
      if (policy !== undefined && !degrade.policies.includes(policy)) degrade.policies.push(policy);
    }
    return { state: 'degrade', degrade, applied };
  }

  #retryAfter(applied: readonly SwitchRecord[], now: number): number {
    let until = 0;
    for (const record of applied) {
      if (record.state !== 'off') break;
      if (record.expiresAt === undefined) return this.#retryAfterSeconds;
      until = Math.max(until, record.expiresAt.getTime());
    }
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  #hear(notice: SwitchNotice): void {
    if (notice.type === 'resubscribed') void this.#read('all').catch(() => {});
    else if (notice.version > this.#version) void this.#read('changes').catch(() => {});
  }

  /** Asks for a read; resolves when no read is left to do (this one included). */
  #read(kind: 'changes' | 'all'): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (kind === 'all' || this.#next === 'none') this.#next = kind;
    this.#reading ??= this.#drain().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #drain(): Promise<void> {
    while (this.#next !== 'none' && !this.#closed) {
      const kind = this.#next;
      this.#next = 'none';
      try {
        if (kind === 'all') {
          this.#applyAll(await this.#store.list());
          this.#lastFullReadError = undefined;
        } else {
          this.#applyChanges(await this.#store.listSince(this.#version));
        }
        this.#refreshedAt = this.#clock();
      } catch (error) {
        if (kind === 'all') this.#lastFullReadError = { error };
        this.#onError(error);
      }
    }
  }

  /** A full read is the truth, even at a lower version (a store restored from a backup). */
  #applyAll(snapshot: SwitchSnapshot): void {
    const now = this.#clock();
    const active = new Map<SwitchScope, Map<string, SwitchRecord>>();
    for (const record of snapshot.switches) if (switchStateAt(record, now) !== 'on') scopeMap(active, record.scope).set(record.id, record);
    const changed = snapshot.version !== this.#version || !sameSwitches(this.#active, active, now);
    this.#version = snapshot.version;
    if (changed) this.#install(active, now);
  }

  #applyChanges(snapshot: SwitchSnapshot): void {
    // Older than what the board has (a read that overtook a notice): nothing to learn.
    if (snapshot.version <= this.#version) return;
    const now = this.#clock();
    const active = copyActive(this.#active);
    for (const record of snapshot.switches) {
      if (switchStateAt(record, now) !== 'on') scopeMap(active, record.scope).set(record.id, record);
      else active.get(record.scope)?.delete(record.id);
    }
    this.#version = snapshot.version;
    this.#install(active, now);
  }

  #install(active: Map<SwitchScope, Map<string, SwitchRecord>>, now: number): void {
    for (const [scope, byId] of active) if (byId.size === 0) active.delete(scope);
    this.#active = active;
    this.#count = [...active.values()].reduce((sum, byId) => sum + byId.size, 0);
    this.#changedAt = now;
    this.#scheduleExpiry(now);
  }

  /** One timer, for the earliest expiry among the active switches. */
  #scheduleExpiry(now: number): void {
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    if (this.#closed) return;
    let earliest = Infinity;
    for (const byId of this.#active.values()) for (const record of byId.values()) if (record.expiresAt !== undefined) earliest = Math.min(earliest, record.expiresAt.getTime());
    if (earliest === Infinity) return;
    this.#expiryTimer = setTimeout(() => this.#expire(), Math.min(MAX_TIMER_MS, Math.max(0, earliest - now)));
    this.#expiryTimer.unref();
  }

  #expire(): void {
    const now = this.#clock();
    const active = copyActive(this.#active);
    let expired = false;
    for (const byId of active.values()) {
      for (const [id, record] of byId) {
        if (switchStateAt(record, now) === 'on') {
          byId.delete(id);
          expired = true;
        }
      }
    }
    if (expired) this.#install(active, now);
    else this.#scheduleExpiry(now);
  }
}

function strength(state: SwitchState): number {
  return state === 'off' ? 2 : state === 'degrade' ? 1 : 0;
}

function scopeMap(active: Map<SwitchScope, Map<string, SwitchRecord>>, scope: SwitchScope): Map<string, SwitchRecord> {
  let byId = active.get(scope);
  if (byId === undefined) active.set(scope, (byId = new Map()));
  return byId;
}

function copyActive(active: Active): Map<SwitchScope, Map<string, SwitchRecord>> {
  return new Map([...active].map(([scope, byId]) => [scope, new Map(byId)]));
}

/** The same switches in the same flips (versions), as far as `now` is concerned. */
function sameSwitches(a: Active, b: Active, now: number): boolean {
  const versions = (active: Active): string =>
    [...active.values()]
      .flatMap((byId) => [...byId.values()])
      .filter((record) => switchStateAt(record, now) !== 'on')
      .map((record) => record.version)
      .sort((x, y) => x - y)
      .join(',');
  return versions(a) === versions(b);
}
