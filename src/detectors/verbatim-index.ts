import { randomInt } from 'node:crypto';

/** Slots examined per insert or lookup; past it a window is dropped (insert) or reported absent (lookup). */
const maxProbes = 64;

/** Items [start, end) of the probed sequence, every window of which occurs in the source. */
export interface VerbatimRun {
  start: number;
  end: number;
}

/**
 * Every window of `width` consecutive items of a source sequence (word ids, character codes),
 * in an open-addressing table keyed by a rolling hash. Finding which windows of another
 * sequence occur in the source is then linear in both lengths: one hash update per item, and a
 * candidate is confirmed item by item, so a collision never reports a copy that is not there.
 * The hash is a polynomial modulo 2^32 (integer multiplies only) with an odd base drawn at
 * random per index, so text cannot be written to collide on purpose; equal windows are stored
 * once, so repetitive text cannot build long probe chains; and no lookup examines more than
 * `maxProbes` slots, whatever happens.
 */
export class VerbatimIndex {
  readonly width: number;
  readonly #source: Int32Array;
  /** Per slot: window start + 1 (0 marks an empty slot), then the window's hash. */
  readonly #table: Int32Array;
  readonly #mask: number;
  readonly #shift: number;
  readonly #base: number;
  /** base^(width - 1) modulo 2^32: the weight of the item leaving the window. */
  readonly #leaving: number;

  constructor(source: Int32Array, width: number) {
    if (!(Number.isInteger(width) && width >= 1)) throw new RangeError('the window width must be a positive integer');
    this.width = width;
    this.#source = source;
    const windows = Math.max(0, source.length - width + 1);
    let bits = 4;
    while (1 << bits < windows * 2) bits++;
    this.#table = new Int32Array(2 << bits);
    this.#mask = (1 << bits) - 1;
    this.#shift = 32 - bits;
    this.#base = randomInt(1 << 20, 1 << 30) | 1;
    let leaving = 1;
    for (let step = 1; step < width; step++) leaving = Math.imul(leaving, this.#base);
    this.#leaving = leaving;
    if (source.length < width) return;
    let hash = this.#firstHash(source);
    this.#insert(0, hash);
    for (let start = 1; start < windows; start++) {
      hash = this.#roll(hash, source[start - 1] as number, source[start + width - 1] as number);
      this.#insert(start, hash);
    }
  }

  /** Stretches of `probe` made of consecutive windows that each occur verbatim in the source. */
  findRuns(probe: Int32Array): VerbatimRun[] {
    const runs: VerbatimRun[] = [];
    const width = this.width;
    if (probe.length < width) return runs;
    let current: VerbatimRun | undefined;
    let hash = this.#firstHash(probe);
    for (let start = 0; start + width <= probe.length; start++) {
      if (start > 0) hash = this.#roll(hash, probe[start - 1] as number, probe[start + width - 1] as number);
      if (!this.#contains(probe, start, hash)) continue;
      if (current !== undefined && current.end === start + width - 1) current.end++;
      else runs.push((current = { start, end: start + width }));
    }
    return runs;
  }

  #firstHash(items: Int32Array): number {
    let hash = 0;
    for (let index = 0; index < this.width; index++) hash = (Math.imul(hash, this.#base) + (items[index] as number)) | 0;
    return hash;
  }

  /** The next window's hash: `leaving` drops out at the front, `entering` comes in at the back. */
  #roll(hash: number, leaving: number, entering: number): number {
    return (Math.imul((hash - Math.imul(leaving, this.#leaving)) | 0, this.#base) + entering) | 0;
  }

  /** A table slot for a hash: the high bits of a multiplicative mix. */
  #slotOf(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.#shift;
  }

  #sameWindow(items: Int32Array, start: number, sourceStart: number): boolean {
    const source = this.#source;
    for (let offset = 0; offset < this.width; offset++) if (items[start + offset] !== source[sourceStart + offset]) return false;
    return true;
  }

  #insert(start: number, hash: number): void {
    const table = this.#table;
    let slot = this.#slotOf(hash);
    for (let probes = 0; probes < maxProbes; probes++) {
      const stored = table[slot * 2] as number;
      if (stored === 0) {
        table[slot * 2] = start + 1;
        table[slot * 2 + 1] = hash;
        return;
      }
      if (table[slot * 2 + 1] === hash && this.#sameWindow(this.#source, start, stored - 1)) return;
      slot = (slot + 1) & this.#mask;
    }
  }

  #contains(items: Int32Array, start: number, hash: number): boolean {
    const table = this.#table;
    let slot = this.#slotOf(hash);
    for (let probes = 0; probes < maxProbes; probes++) {
      const stored = table[slot * 2] as number;
      if (stored === 0) return false;
      if (table[slot * 2 + 1] === hash && this.#sameWindow(items, start, stored - 1)) return true;
      slot = (slot + 1) & this.#mask;
    }
    return false;
  }
}
