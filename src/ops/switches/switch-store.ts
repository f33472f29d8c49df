/**
 * Kill switches: an operator's way to stop or tighten traffic at once, without a deploy. The
 * types, and the store interface every backend (memory, SQLite, PostgreSQL) implements, checked
 * by one contract suite (`switch-store-contract.ts`). How replicas read them on the request path
 * is `switch-board.ts`; see README.md in this folder.
 *
 * A switch targets one scope and one id in it: a route, a model, a tool, a tenant, an API key, a
 * detector, or everything (`global`, id `*`). Its state:
 *
 * - `on`: the default; nothing happens. A switch never flipped is on.
 * - `degrade`: requests it covers are served, but tightened: tools disabled, and/or a stricter
 *   policy forced (`degrade: { tools: 'disabled', policy: '<version hash or name>' }`).
 * - `off`: requests it covers are refused (503 `unavailable`, with Retry-After).
 *
 * A kill switch only ever tightens: it cannot make a request go through that would otherwise be
 * refused, and switching a detector `off` refuses the requests that detector would check (it does
 * not stop running the detector).
 *
 * Every change is a flip: the new state, a mandatory reason, who (a key id, or `cli`), when, and
 * optionally an expiry and an incident id. Flipping back to `on` is a flip too, recorded like any
 * other. Every flip is kept (`history`).
 *
 * Expiry is a matter of time, not a write: a flip with `expiresAt` reads as `on` from that instant
 * on (`switchStateAt`), on every replica alike, without anything being rewritten. The stored
 * record keeps the state as flipped, so the operator can see what expired and when.
 *
 * Versions: every flip gets the next version of the whole set (1, 2, 3, …), assigned under the
 * store's write lock, so versions are distinct, increase in commit order, and a reader that has
 * seen version `v` has seen every flip up to `v`. That is what makes `listSince` safe.
 */

export type SwitchScope = 'route' | 'model' | 'tool' | 'tenant' | 'key' | 'detector' | 'global';
export const switchScopes: readonly SwitchScope[] = ['route', 'model', 'tool', 'tenant', 'key', 'detector', 'global'];

/** The id of the one `global` switch. */
export const GLOBAL_SWITCH_ID = '*';

export type SwitchState = 'on' | 'degrade' | 'off';
export const switchStates: readonly SwitchState[] = ['on', 'degrade', 'off'];

/** How a `degrade` switch tightens the requests it covers: at least one of the two. */
export interface DegradeOptions {
  /** Tool calls are refused (each explained in the answer), and tools the provider would run itself are not sent. */
  tools?: 'disabled';
  /** A stricter policy to force, by version hash or name (resolved by whoever applies it). */
  policy?: string;
}

/** One change of one switch, as an operator makes it. */
export interface SwitchFlip {
  scope: SwitchScope;
  /** The route, model, tool, tenant, key or detector id; `*` for `global` (and only there). */
  id: string;
  state: SwitchState;
  /** With `degrade` only, and then required. */
  degrade?: DegradeOptions;
  /** Why, 1 to 500 characters: shown to operators and kept in the history, never to clients. */
  reason: string;
  /** Who: the admin key id, or `cli`. */
  actor: string;
  /** When the flip is made. */
  at: Date;
  /** From this instant on the switch reads as `on` again. Not with `on`; after `at`. */
  expiresAt?: Date;
  incidentId?: string;
}

/** A flip as stored, with the version of the set it made. */
export interface SwitchRecord extends SwitchFlip {
  version: number;
}

export interface SwitchSetResult {
  /** The version of the set this flip made: greater than every version before it. */
  version: number;
  /** The switch's state just before, as of `flip.at`: `on` if never flipped or its last flip had expired. */
  previousState: SwitchState;
  /** The switch's previous flip as recorded (it may have expired), if there was one. */
  previous?: SwitchRecord;
  /** The flip just stored: `current.state` is the new state. */
  current: SwitchRecord;
}

/** The switches a read returned, and the version of the set they are current at. */
export interface SwitchSnapshot {
  /** The set's version when read (0 before the first flip). */
  version: number;
  /** The last flip of each switch, flipped back `on` ones included, by version ascending. */
  switches: SwitchRecord[];
}

export interface SwitchHistoryOptions {
  scope?: SwitchScope;
  /** Only with `scope`. */
  id?: string;
  /** At most this many, 1 to 1,000. */
  limit: number;
  /** A page cursor: only flips with a smaller version (the last version of the previous page). */
  before?: number;
}

export interface SwitchStore {
  /**
   * Records a flip, atomically: its version, the previous flip it replaced and the new state are
   * read and written under one lock, so of two flips at once each sees the other as previous or
   * not at all, never both. Throws `invalid_argument` for a malformed flip, before storing anything.
   */
  set(flip: SwitchFlip): Promise<SwitchSetResult>;
  /** Every switch ever flipped, with the set's version, from one consistent read. */
  list(): Promise<SwitchSnapshot>;
  /**
   * The switches whose last flip has a version greater than `version`, and the set's version now:
   * a replica that has read up to `version` catches up with the changes only.
   */
  listSince(version: number): Promise<SwitchSnapshot>;
  /** The switch's last flip, as recorded (see `switchStateAt`); `undefined` if never flipped. */
  get(scope: SwitchScope, id: string): Promise<SwitchRecord | undefined>;
  /** Every flip kept, newest (highest version) first. */
  history(options: SwitchHistoryOptions): Promise<SwitchRecord[]>;
}

/** The state a recorded flip has at `now`: `on` from its `expiresAt` on. */
export function switchStateAt(record: Pick<SwitchFlip, 'state' | 'expiresAt'>, now: Date | number): SwitchState {
  const time = typeof now === 'number' ? now : now.getTime();
  return record.expiresAt !== undefined && time >= record.expiresAt.getTime() ? 'on' : record.state;
}

/** The record a flip makes: only the fields of a flip, copied, absent ones left out. */
export function switchRecord(flip: SwitchFlip, version: number): SwitchRecord {
  const record: SwitchRecord = { scope: flip.scope, id: flip.id, state: flip.state, reason: flip.reason, actor: flip.actor, at: new Date(flip.at.getTime()), version };
  if (flip.degrade !== undefined) {
    record.degrade = {};
    if (flip.degrade.tools !== undefined) record.degrade.tools = flip.degrade.tools;
    if (flip.degrade.policy !== undefined) record.degrade.policy = flip.degrade.policy;
  }
  if (flip.expiresAt !== undefined) record.expiresAt = new Date(flip.expiresAt.getTime());
  if (flip.incidentId !== undefined) record.incidentId = flip.incidentId;
  return record;
}

/** What `set` answers, given the switch's previous record (read under the same lock) and the one stored. */
export function switchSetResult(previous: SwitchRecord | undefined, current: SwitchRecord): SwitchSetResult {
  const result: SwitchSetResult = { version: current.version, previousState: previous === undefined ? 'on' : switchStateAt(previous, current.at), current };
  if (previous !== undefined) result.previous = previous;
  return result;
}
