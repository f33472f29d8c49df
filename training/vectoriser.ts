import { featureSpace, FeatureHasher, type SparseVector } from '../src/detectors/classifiers/hashed-features.js';
import { NormalizedText } from '../src/text/normalized-text.js';

/** Feature vectors of folded texts, computed once per text however many tasks use it. */
export class Vectoriser {
  readonly #hasher: FeatureHasher;
  readonly #cache = new Map<string, SparseVector>();

  constructor(hasher: FeatureHasher = new FeatureHasher(featureSpace.bits)) {
    this.#hasher = hasher;
  }

  get bits(): number {
    return this.#hasher.bits;
  }

  vector(text: string): SparseVector {
    let vector = this.#cache.get(text);
    if (vector === undefined) this.#cache.set(text, (vector = this.#hasher.features(new NormalizedText(text).folded.text)));
    return vector;
  }
}
