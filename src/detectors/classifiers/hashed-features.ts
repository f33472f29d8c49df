/**
 * The feature space every trained classifier shares: word unigrams and bigrams and character
 * 3- and 4-grams of the folded text (adding 5-grams cost a quarter more time for mixed results on
 * the calibration fold: BENCHMARKS.md, "Alternatives tried"), hashed into 2^bits buckets with a sign bit (so
 * collisions cancel rather than pile up), counts damped to 1 + ln(count), then L2-normalised.
 * Training and inference call this one function, so their features cannot drift apart.
 */
export const featureSpace = { name: 'hashed-ngrams-v2', bits: 18 } as const;

/** Unique, sorted-by-first-appearance bucket indices and their normalised values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

const fnvPrime = 16777619;
const fnvOffset = 0x811c9dc5 | 0;
// One seed per kind of feature, so a word and a character n-gram with equal hashes land apart.
const seeds = { word: 0x2f6b1e3d, bigram: 0x5bd1e995, char: [0, 0, 0x27d4eb2f, 0x165667b1, 0x61c88647] } as const;

function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || (code >= 0xc0 && !(code >= 0x2000 && code <= 0x206f) && !(code >= 0x3000 && code <= 0x303f));
}

/**
 * Turns texts into sparse vectors. Counts accumulate in a small open-addressing table keyed by
 * bucket (it grows with the text), which stays in cache where a dense 2^bits array would not.
 * It keeps that table between calls, so it is cheap per call but not shared across threads.
 */
export class FeatureHasher {
  readonly bits: number;
  readonly #shift: number;
  #keys: Int32Array;
  #counts: Float32Array;
  /** Slots in the order their bucket first appeared, so the output order is deterministic. */
  #order: Int32Array;
  #size = 0;
  #mask: number;

  /** Word uni/bigrams, and the lengths of character n-grams, in use. The shipped models use both, lengths 3 and 4. */
  readonly #words: boolean;
  /** Bit n set: emit character n-grams of length n. */
  readonly #charMask: number;
  readonly #longest: number;

  constructor(bits: number = featureSpace.bits, options: { words?: boolean; charLengths?: readonly number[] } = {}) {
    this.#words = options.words ?? true;
    const lengths = options.charLengths ?? [3, 4];
    if (lengths.some((n) => n < 3 || n > 5)) throw new RangeError('character n-gram lengths must be 3, 4 or 5');
    this.#charMask = lengths.reduce((mask, n) => mask | (1 << n), 0);
    this.#longest = Math.max(0, ...lengths);
    this.bits = bits;
    this.#shift = 32 - bits;
    this.#keys = new Int32Array(4096).fill(-1);
    this.#counts = new Float32Array(4096);
    this.#order = new Int32Array(2048);
    this.#mask = 4095;
  }

  #emit(hash: number): void {
    const mixed = mix(hash);
    const bucket = mixed >>> this.#shift;
    let slot = bucket & this.#mask;
    while (true) {
      const key = this.#keys[slot] as number;
      if (key === bucket) break;
      if (key === -1) {
        this.#keys[slot] = bucket;
        this.#order[this.#size++] = slot;
        if (this.#size * 2 > this.#mask) {
          this.#grow();
          slot = this.#find(bucket);
        }
        break;
      }
      slot = (slot + 1) & this.#mask;
    }
    this.#counts[slot] = (this.#counts[slot] as number) + ((mixed & 1) === 0 ? 1 : -1);
  }

  #find(bucket: number): number {
    let slot = bucket & this.#mask;
    while (this.#keys[slot] !== bucket) slot = (slot + 1) & this.#mask;
    return slot;
  }

  #grow(): void {
    const keys = this.#keys;
    const counts = this.#counts;
    const order = this.#order;
    const capacity = keys.length * 2;
    this.#keys = new Int32Array(capacity).fill(-1);
    this.#counts = new Float32Array(capacity);
    this.#order = new Int32Array(capacity / 2);
    this.#mask = capacity - 1;
    for (let at = 0; at < this.#size; at++) {
      const oldSlot = order[at] as number;
      const bucket = keys[oldSlot] as number;
      let slot = bucket & this.#mask;
      while (this.#keys[slot] !== -1) slot = (slot + 1) & this.#mask;
      this.#keys[slot] = bucket;
      this.#counts[slot] = counts[oldSlot] as number;
      this.#order[at] = slot;
    }
  }

  /** The features of one (folded) text. An empty text gives an empty vector. */
  features(text: string): SparseVector {
    const length = text.length;
    // Character n-grams, extended one character at a time from each start.
    const longest = this.#longest;
    for (let start = 0; start + 3 <= length && longest > 0; start++) {
      let hash = fnvOffset;
      for (let n = 0; n < longest && start + n < length; n++) {
        hash = Math.imul(hash ^ text.charCodeAt(start + n), fnvPrime);
        if (((this.#charMask >> (n + 1)) & 1) === 1) this.#emit(hash ^ (seeds.char[n] as number));
      }
    }
    // Words and word bigrams.
    let previous = 0;
    let index = this.#words ? 0 : length;
    while (index < length) {
      if (!isWordCode(text.charCodeAt(index))) {
        index++;
        continue;
      }
      let hash = fnvOffset ^ seeds.word;
      while (index < length) {
        const code = text.charCodeAt(index);
        if (!isWordCode(code)) break;
        hash = Math.imul(hash ^ code, fnvPrime);
        index++;
      }
      this.#emit(hash);
      if (previous !== 0) this.#emit(Math.imul(previous, 31) ^ hash ^ seeds.bigram);
      previous = hash | 1;
    }
    return this.#collect();
  }

  #collect(): SparseVector {
    let norm = 0;
    let nonZero = 0;
    for (let at = 0; at < this.#size; at++) {
      const slot = this.#order[at] as number;
      const count = this.#counts[slot] as number;
      if (count === 0) continue;
      const damped = count > 0 ? 1 + Math.log(count) : -1 - Math.log(-count);
      this.#counts[slot] = damped;
      norm += damped * damped;
      nonZero++;
    }
    const indices = new Int32Array(nonZero);
    const values = new Float32Array(nonZero);
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    let write = 0;
    for (let at = 0; at < this.#size; at++) {
      const slot = this.#order[at] as number;
      const value = this.#counts[slot] as number;
      if (value !== 0) {
        indices[write] = this.#keys[slot] as number;
        values[write] = value * scale;
        write++;
      }
      this.#keys[slot] = -1;
      this.#counts[slot] = 0;
    }
    this.#size = 0;
    return { indices, values };
  }
}
