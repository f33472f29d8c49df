import { eventColumns, hashRecord, sameColumns } from './audit-chain.js';
import type { AuditEvent } from './audit-event.js';
import type { ChainPoint, EventColumns } from './audit-store.js';
import type { AuditProblem } from './audit-verification.js';

/** One record of a writer chain as read from a store (with columns) or an export (without). */
export interface ChainRow {
  seq: number;
  prevHash: string;
  hash: string;
  json: string;
  columns?: EventColumns;
}

export interface WriterChainCheckOptions {
  writerId: string;
  /** Where the chain must continue from: the empty chain, or the retention marker. */
  start: ChainPoint;
  /** seq → hash that anchors committed to. */
  witnesses?: ReadonlyMap<number, string>;
  /** The chain must reach at least this seq (an anchored or recorded head). */
  mustReach?: number;
  /** How many later rows are kept to tell a reordered event from a deleted one. */
  lookahead?: number;
}

/**
 * Checks one writer chain fed in seq order, holding only a small window of rows. Stops at the
 * first problem: what follows a broken record cannot be judged against it.
 */
export class WriterChainCheck {
  readonly writerId: string;
  #last: ChainPoint;
  #checked = 0;
  #problem: AuditProblem | undefined;
  readonly #window: ChainRow[] = [];
  readonly #options: WriterChainCheckOptions;

  constructor(options: WriterChainCheckOptions) {
    this.writerId = options.writerId;
    this.#last = options.start;
    this.#options = options;
  }

  get checked(): number {
    return this.#checked;
  }

  /** The last record found good. */
  get last(): ChainPoint {
    return this.#last;
  }

  get problem(): AuditProblem | undefined {
    return this.#problem;
  }

  /** Feeds the next row; returns the chain's problem once one is found. */
  push(row: ChainRow): AuditProblem | undefined {
    if (this.#problem !== undefined) return this.#problem;
    this.#window.push(row);
    if (this.#window.length > (this.#options.lookahead ?? 32)) this.#checkOldest();
    return this.#problem;
  }

  /** Call after the last row. */
  end(): AuditProblem | undefined {
    while (this.#problem === undefined && this.#window.length > 0) this.#checkOldest();
    if (this.#problem !== undefined) return this.#problem;
    const mustReach = this.#options.mustReach ?? 0;
    if (this.#last.seq < mustReach) {
      const whole = this.#checked === 0 && this.#options.start.seq === 0;
      this.#fail({
        kind: whole ? 'deleted' : 'truncated',
        seq: this.#last.seq + 1,
        message: whole
          ? `writer ${this.writerId}: the whole chain is missing, though seq ${mustReach} was recorded`
          : `writer ${this.writerId}: events ${this.#last.seq + 1}–${mustReach} are missing at the end of the chain`,
      });
    }
    return this.#problem;
  }

  #checkOldest(): void {
    const row = this.#window.shift();
    if (row === undefined) return;
    const event = parseEvent(row.json);
    const at = { seq: row.seq, ...(event === undefined ? {} : { eventId: event.id }) };
    const expected = this.#last.seq + 1;
    const name = `writer ${this.writerId} seq ${row.seq}`;
    if (row.seq > expected) {
      this.#fail({ kind: 'deleted', seq: expected, message: `writer ${this.writerId}: events ${expected}–${row.seq - 1} are missing` });
    } else if (row.seq < expected) {
      this.#fail({ kind: 'reordered', ...at, message: `${name} appears again after seq ${this.#last.seq}` });
    } else if (hashRecord(row.prevHash, row.json) !== row.hash || event === undefined) {
      this.#fail({ kind: 'edited', ...at, message: `${name}: the content does not match its hash` });
    } else if (row.prevHash !== this.#last.hash) {
      const reordered = this.#window.some((later) => later.hash === row.prevHash);
      this.#fail({
        kind: reordered ? 'reordered' : 'deleted',
        ...at,
        message: reordered
          ? `${name} is out of order: its predecessor appears later in the chain`
          : `${name} does not follow seq ${this.#last.seq}: an event between them was deleted, or the one before was rewritten`,
      });
    } else if (row.columns !== undefined && !sameColumns(row.columns, eventColumns(event))) {
      this.#fail({ kind: 'column-mismatch', ...at, message: `${name}: the indexed columns differ from the hashed event` });
    } else if (this.#options.witnesses?.has(row.seq) === true && this.#options.witnesses.get(row.seq) !== row.hash) {
      this.#fail({ kind: 'anchor-mismatch', ...at, message: `${name}: the hash differs from the one an anchor recorded: this event or one before it was rewritten and the hashes recomputed` });
    } else {
      this.#last = { seq: row.seq, hash: row.hash };
      this.#checked += 1;
    }
  }

  #fail(problem: Omit<AuditProblem, 'writerId'>): void {
    this.#problem = { writerId: this.writerId, ...problem };
    this.#window.length = 0;
  }
}

function parseEvent(json: string): AuditEvent | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as AuditEvent;
  } catch {
    return undefined;
  }
}
