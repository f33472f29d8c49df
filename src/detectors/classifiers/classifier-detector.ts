import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sourceRoles, type DetectorHit, type Severity, type SourceRole, type Span, type Stage } from '../../core/finding.js';
import { NormalizedText } from '../../text/normalized-text.js';
import { defineDetector, type Detector } from '../define-detector.js';
import { FeatureHasher, featureSpace, type SparseVector } from './hashed-features.js';
import { LinearModel } from './linear-model.js';
import { riskScore } from './risk-score.js';
import { textChunks } from './text-chunks.js';

export interface ClassifierOptions {
  id: string;
  description: string;
  /** The bundled model file, under models/. */
  model: URL;
  /** A category model, for detectors that name what kind of content they found. */
  categoryModel?: URL;
  category: string;
  severity: Severity;
  stages: readonly Stage[];
  /** Sources the detector reads by default (the indirect-injection model reads documents, not the user's words). */
  sources?: readonly SourceRole[];
}

/** Texts shorter than this (folded) are not scored: a word or two cannot carry an attack, and a model has too little to go on. */
const minFoldedLength = 8;

/** A category is named only when its probability reaches this; otherwise the finding keeps the general category. */
const categoryConfidence = 0.35;

function loadModel(path: string, context: z.RefinementCtx): LinearModel | undefined {
  try {
    return LinearModel.decode(readFileSync(path)).assertFeatureSpace();
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    context.addIssue({ code: 'custom', message: `cannot load model ${path}: ${reason}` });
    return undefined;
  }
}

/** Every text a detector reads: the text itself and each decoded payload (mapped to its encoded stretch). */
function scoredTexts(text: NormalizedText): { text: NormalizedText; cover?: Span; encoding?: string }[] {
  return [{ text }, ...text.decoded.map((segment) => ({ text: segment.text, cover: segment.span, encoding: segment.encoding }))];
}

/**
 * A detector backed by a trained linear model over the shared hashed features. Its score is a
 * risk score on a fixed scale (0.5 at the model's 1 %-false-positive operating point, 0.8 at its
 * 0.1 % point; see risk-score.ts), so policy thresholds mean the same for every model. The
 * calibrated probability is in the evidence.
 */
export function defineClassifierDetector(options: ClassifierOptions): Detector {
  const configSchema = z
    .object({
      /** A model file to use instead of the bundled one (same format, e.g. retrained on your data). */
      model: z.string().min(1).optional(),
      /** Risk scores below this are not reported at all. */
      min_score: z.number().min(0).max(1).default(0.3),
      sources: z.array(z.enum(sourceRoles)).min(1).optional(),
    })
    .strict()
    .transform((config, context) => {
      const model = loadModel(config.model ?? fileURLToPath(options.model), context);
      const categories = options.categoryModel === undefined ? undefined : loadModel(fileURLToPath(options.categoryModel), context);
      if (model === undefined || (options.categoryModel !== undefined && categories === undefined)) return z.NEVER;
      return {
        model,
        categories,
        hasher: new FeatureHasher(featureSpace.bits),
        minScore: config.min_score,
        sources: new Set<SourceRole>(config.sources ?? options.sources ?? sourceRoles),
      };
    });

  return defineDetector({
    id: options.id,
    description: options.description,
    stages: options.stages,
    configSchema,
    run(input, config) {
      if (!config.sources.has(input.source)) return [];
      const featuresOf = (text: NormalizedText): SparseVector => text.memo(featureSpace.name, () => config.hasher.features(text.folded.text));
      const hits: DetectorHit[] = [];
      for (const scored of scoredTexts(input.text)) {
        if (scored.text.folded.text.length < minFoldedLength) continue;
        let best = { probability: 0, span: { start: 0, end: scored.text.original.length } as Span, vector: undefined as SparseVector | undefined };
        if (config.model.header.chunked === true) {
          const clean = scored.text.clean;
          for (const chunk of textChunks(clean)) {
            const vector = config.hasher.features(new NormalizedText(clean.text.slice(chunk.start, chunk.end)).folded.text);
            const probability = config.model.probability(vector);
            if (probability > best.probability) best = { probability, span: clean.span(chunk.start, chunk.end), vector };
          }
        } else {
          const vector = featuresOf(scored.text);
          best = { probability: config.model.probability(vector), span: best.span, vector };
        }
        const score = riskScore(best.probability, config.model.header);
        if (score < config.minScore || best.vector === undefined) continue;
        let category = options.category;
        const evidence: Record<string, string | number> = { model: config.model.header.task, probability: Math.round(best.probability * 1000) / 1000 };
        if (config.categories !== undefined) {
          const top = config.categories.classProbabilities(best.vector).sort((a, b) => b.probability - a.probability)[0];
          if (top !== undefined && top.probability >= categoryConfidence) {
            category = `${options.category}.${top.label}`;
            evidence.category_probability = Math.round(top.probability * 1000) / 1000;
          }
        }
        const hit: DetectorHit = { category, score, severity: options.severity, spans: [scored.cover ?? best.span], evidence };
        if (scored.encoding !== undefined) hit.encoding = scored.encoding;
        hits.push(hit);
      }
      return hits;
    },
  });
}
