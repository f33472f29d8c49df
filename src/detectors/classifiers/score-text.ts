import type { Span } from '../../core/finding.js';
import { NormalizedText } from '../../text/normalized-text.js';
import { featureSpace, type FeatureHasher, type SparseVector } from './hashed-features.js';
import type { LinearModel } from './linear-model.js';
import { textChunks } from './text-chunks.js';

/** A text's first and last `max / 2` characters, when it is longer than `max`. */
function headAndTail(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max / 2)} ${text.slice(text.length - max / 2)}`;
}

/** The chunks that start in the first or end in the last `max / 2` characters of a long text. */
function withinHeadAndTail(chunks: readonly Span[], length: number, max: number): readonly Span[] {
  return length <= max ? chunks : chunks.filter((chunk) => chunk.start < max / 2 || chunk.end > length - max / 2);
}

export interface TextScore {
  probability: number;
  /** What was scored, in the text's original offsets: all of it, or the worst chunk. */
  span: Span;
  vector: SparseVector;
  truncated: boolean;
}

/**
 * How a trained model scores one text, the single definition shared by the detector, the
 * manifest's probes and the tests: the folded text as one bag of features, or for chunked models
 * each sentence or line chunk on its own, the worst counting. Texts longer than `maxChars` are
 * scored on their head and tail. Whole-text features are memoised on the text, so several models
 * in one check compute them once.
 */
export function scoreText(options: { model: LinearModel; hasher: FeatureHasher; text: NormalizedText; maxChars: number }): TextScore | undefined {
  const { model, hasher, text, maxChars } = options;
  const truncated = text.original.length > maxChars;
  if (model.header.chunked !== true) {
    const vector = text.memo(`${featureSpace.name}:${maxChars}`, () => hasher.features(headAndTail(text.folded.text, maxChars)));
    return { probability: model.probability(vector), span: { start: 0, end: text.original.length }, vector, truncated };
  }
  const clean = text.clean;
  let best: TextScore | undefined;
  for (const chunk of withinHeadAndTail(textChunks(clean), clean.text.length, maxChars)) {
    const vector = hasher.features(new NormalizedText(clean.text.slice(chunk.start, chunk.end)).folded.text);
    const probability = model.probability(vector);
    if (best === undefined || probability > best.probability) best = { probability, span: clean.span(chunk.start, chunk.end), vector, truncated };
  }
  return best;
}
