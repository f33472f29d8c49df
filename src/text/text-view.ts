import type { Span } from '../core/finding.js';

/**
 * A transformed copy of a text that remembers, for every UTF-16 unit it holds, which range of
 * the original produced it. Detectors match on the view and report spans in the original.
 */
export class TextView {
  readonly text: string;
  readonly #originalLength: number;
  readonly #starts: Int32Array | null;
  readonly #ends: Int32Array | null;

  private constructor(text: string, originalLength: number, starts: Int32Array | null, ends: Int32Array | null) {
    this.text = text;
    this.#originalLength = originalLength;
    this.#starts = starts;
    this.#ends = ends;
  }

  /** A view that is the original itself: offsets map one to one. */
  static identity(text: string): TextView {
    return new TextView(text, text.length, null, null);
  }

  static mapped(options: { text: string; originalLength: number; starts: Int32Array; ends: Int32Array }): TextView {
    return new TextView(options.text, options.originalLength, options.starts, options.ends);
  }

  get isIdentity(): boolean {
    return this.#starts === null;
  }

  /** Original offset of the view unit at `index` (the original's length past the end). */
  originalStart(index: number): number {
    if (this.#starts === null) return index;
    return index < this.text.length ? (this.#starts[index] as number) : this.#originalLength;
  }

  /** Original offset just after the view unit at `index`. */
  originalEnd(index: number): number {
    if (this.#ends === null) return index + 1;
    return index < this.text.length ? (this.#ends[index] as number) : this.#originalLength;
  }

  /** The original span that produced view units [start, end). */
  span(start: number, end: number): Span {
    if (this.#starts === null) return { start, end };
    if (end <= start) {
      const at = this.originalStart(start);
      return { start: at, end: at };
    }
    return { start: this.originalStart(start), end: this.originalEnd(end - 1) };
  }
}

const utf16 = new TextDecoder('utf-16le');

/** Accumulates a view unit by unit; grows its maps as needed. */
export class TextViewBuilder {
  #codes: Uint16Array;
  #starts: Int32Array;
  #ends: Int32Array;
  #length = 0;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.#codes = new Uint16Array(size);
    this.#starts = new Int32Array(size);
    this.#ends = new Int32Array(size);
  }

  get length(): number {
    return this.#length;
  }

  push(code: number, start: number, end: number): void {
    if (this.#length === this.#codes.length) this.#grow();
    const at = this.#length++;
    this.#codes[at] = code;
    this.#starts[at] = start;
    this.#ends[at] = end;
  }

  code(index: number): number {
    return this.#codes[index] as number;
  }

  setCode(index: number, code: number): void {
    this.#codes[index] = code;
  }

  /** How many original units produced the view unit at `index`. */
  spanWidth(index: number): number {
    return (this.#ends[index] as number) - (this.#starts[index] as number);
  }

  pop(): void {
    if (this.#length > 0) this.#length--;
  }

  /** Widens the last unit's original range, e.g. to swallow characters that were dropped after it. */
  extendLastEnd(end: number): void {
    if (this.#length > 0) this.#ends[this.#length - 1] = end;
  }

  /** Keeps only the units for which `keep` says true, preserving their maps. */
  compact(keep: (index: number) => boolean): void {
    let write = 0;
    for (let read = 0; read < this.#length; read++) {
      if (!keep(read)) continue;
      this.#codes[write] = this.#codes[read] as number;
      this.#starts[write] = this.#starts[read] as number;
      this.#ends[write] = this.#ends[read] as number;
      write++;
    }
    this.#length = write;
  }

  /** The text so far. (A lone surrogate becomes U+FFFD; lengths and offsets are unchanged.) */
  text(): string {
    const codes = this.#codes.subarray(0, this.#length);
    return utf16.decode(new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength));
  }

  build(originalLength: number): TextView {
    const length = this.#length;
    return TextView.mapped({ text: this.text(), originalLength, starts: this.#starts.subarray(0, length), ends: this.#ends.subarray(0, length) });
  }

  #grow(): void {
    const size = this.#codes.length * 2;
    const codes = new Uint16Array(size);
    codes.set(this.#codes);
    const starts = new Int32Array(size);
    starts.set(this.#starts);
    const ends = new Int32Array(size);
    ends.set(this.#ends);
    this.#codes = codes;
    this.#starts = starts;
    this.#ends = ends;
  }
}
