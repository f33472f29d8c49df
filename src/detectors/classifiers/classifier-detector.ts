import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sourceRoles, type DetectorHit, type Severity, type SourceRole, type Stage } from '../../core/finding.js';
import { defineDetector, type Detector } from '../define-detector.js';
import { FeatureHasher, featureSpace } from './hashed-features.js';
import { LinearModel } from './linear-model.js';
import { dominantScript } from '../../text/dominant-script.js';
import { riskScore } from './risk-score.js';
import { scoreText } from './score-text.js';

export interface ClassifierOptions {
  id: string;
  /** The task the model was trained for (its file says so; a file for another task is refused). */
  task: string;
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

/** Scores of texts in a script the model cannot judge stop here: under the 0.8 block points, over the 0.5 warn point. */
const scriptCap = 0.79;

/** A category is named only when its probability reaches this; otherwise the finding keeps the general category. */
const categoryConfidence = 0.35;

function loadModel(options: { path: string; task: string; binary: boolean; context: z.RefinementCtx }): LinearModel | undefined {
  const { path, context } = options;
  try {
    return LinearModel.decode(readFileSync(path)).assertFeatureSpace().assertShape({ task: options.task, binary: options.binary });
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    context.addIssue({ code: 'custom', message: `cannot load model ${path}: ${reason}` });
    return undefined;
  }
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
      /** Longer texts are scored on their first and last max_chars / 2 characters (evidence says so), bounding the cost. */
      max_chars: z.number().int().min(1000).max(10_000_000).default(32_768),
    })
    .strict()
    .transform((config, context) => {
      const model = loadModel({ path: config.model ?? fileURLToPath(options.model), task: options.task, binary: true, context });
      const categories = options.categoryModel === undefined ? undefined : loadModel({ path: fileURLToPath(options.categoryModel), task: `${options.task}_category`, binary: false, context });
      if (model === undefined || (options.categoryModel !== undefined && categories === undefined)) return z.NEVER;
      return {
        model,
        categories,
        hasher: new FeatureHasher(featureSpace.bits),
        minScore: config.min_score,
        maxChars: config.max_chars,
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
      const hits: DetectorHit[] = [];
      for (const scored of input.text.withDecoded()) {
        if (scored.text.folded.text.length < minFoldedLength) continue;
        const result = scoreText({ model: config.model, hasher: config.hasher, text: scored.text, maxChars: config.maxChars });
        if (result === undefined) continue;
        let score = riskScore(result.probability, config.model.header);
        // Only a score that could block needs the script check, so ordinary traffic never pays for it.
        const unreliable = config.model.header.unreliableScripts;
        const script = score > scriptCap && unreliable !== undefined ? scored.text.memo('dominant-script', () => dominantScript(scored.text.clean.text)) : undefined;
        const capped = script !== undefined && unreliable?.includes(script) === true;
        if (capped) score = scriptCap;
        if (score < config.minScore) continue;
        let category = options.category;
        const evidence: Record<string, string | number | boolean> = { model: config.model.header.task, probability: Math.round(result.probability * 1000) / 1000 };
        if (result.truncated) evidence.truncated = true;
        if (capped) evidence.script_capped = script as string;
        if (config.categories !== undefined) {
          const top = config.categories.classProbabilities(result.vector).sort((a, b) => b.probability - a.probability)[0];
          if (top !== undefined && top.probability >= categoryConfidence) {
            category = `${options.category}.${top.label}`;
            evidence.category_probability = Math.round(top.probability * 1000) / 1000;
          }
        }
        const hit: DetectorHit = { category, score, severity: options.severity, spans: [scored.cover ?? result.span], evidence };
        if (scored.encoding !== undefined) hit.encoding = scored.encoding;
        hits.push(hit);
      }
      return hits;
    },
  });
}
