/**
 * The feature space every trained classifier shares: word unigrams and bigrams and character
 * 3-, 4- and 5-grams of the folded text, hashed into 2^bits buckets with a sign bit (so
 * collisions cancel rather than pile up), counts damped to 1 + ln(count), then L2-normalised.
 * Training and inference call this one function, so their features cannot drift apart.
 */
export const featureSpace = { name: 'hashed-ngrams-v1', bits: 18 } as const;

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
 * Turns texts into sparse vectors. It keeps scratch buffers between calls (one dense
 * accumulator of 2^bits floats), so it is cheap per call but not shared across threads.
 */
export class FeatureHasher {
  readonly bits: number;
  readonly #shift: number;
  readonly #accumulator: Float32Array;
  readonly #marks: Uint8Array;
  #touched: Int32Array;
  #count = 0;

  constructor(bits: number = featureSpace.bits) {
    this.bits = bits;
    this.#shift = 32 - bits;
    this.#accumulator = new Float32Array(1 << bits);
    this.#marks = new Uint8Array(1 << bits);
    this.#touched = new Int32Array(4096);
  }

  #emit(hash: number): void {
    const mixed = mix(hash);
    const index = mixed >>> this.#shift;
    this.#accumulator[index] = (this.#accumulator[index] as number) + ((mixed & 1) === 0 ? 1 : -1);
    if (this.#marks[index] === 0) {
      this.#marks[index] = 1;
      if (this.#count === this.#touched.length) {
        const grown = new Int32Array(this.#touched.length * 2);
        grown.set(this.#touched);
        this.#touched = grown;
      }
      this.#touched[this.#count++] = index;
    }
  }

  /** The features of one (folded) text. An empty text gives an empty vector. */
  features(text: string): SparseVector {
    const length = text.length;
    // Character n-grams, extended one character at a time from each start.
    for (let start = 0; start + 3 <= length; start++) {
      let hash = fnvOffset;
      for (let n = 0; n < 5 && start + n < length; n++) {
        hash = Math.imul(hash ^ text.charCodeAt(start + n), fnvPrime);
        if (n >= 2) this.#emit(hash ^ (seeds.char[n] as number));
      }
    }
    // Words and word bigrams.
    let previous = 0;
    let index = 0;
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
    for (let at = 0; at < this.#count; at++) {
      const index = this.#touched[at] as number;
      const count = this.#accumulator[index] as number;
      if (count === 0) continue;
      const damped = count > 0 ? 1 + Math.log(count) : -1 - Math.log(-count);
      this.#accumulator[index] = damped;
      norm += damped * damped;
      nonZero++;
    }
    const indices = new Int32Array(nonZero);
    const values = new Float32Array(nonZero);
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    let write = 0;
    for (let at = 0; at < this.#count; at++) {
      const index = this.#touched[at] as number;
      const value = this.#accumulator[index] as number;
      if (value !== 0) {
        indices[write] = index;
        values[write] = value * scale;
        write++;
      }
      this.#accumulator[index] = 0;
      this.#marks[index] = 0;
    }
    this.#count = 0;
    return { indices, values };
  }
}
