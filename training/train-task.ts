import { featureSpace } from '../src/detectors/classifiers/hashed-features.js';
import { dominantScript } from '../src/text/dominant-script.js';
import { LinearModel } from '../src/detectors/classifiers/linear-model.js';
import { chooseThresholds, fitPlatt, type NegativeGroup } from './calibration.js';
import { evaluate, type EvaluationReport } from './evaluation.js';
import { trainHarmCategories } from './harm-categories.js';
import { fitBinary, quantize, type FitOptions } from './logistic-regression.js';
import { balancedWeights } from './sample-weights.js';
import type { Example, Task } from './task-data.js';
import { ShingleIndex } from './text-shingles.js';
import type { Vectoriser } from './vectoriser.js';

/** Chosen with training/tune.ts on the calibration fold (recall at the 1 % and 0.1 % points), never on dev. */
export const defaultFit: Omit<FitOptions, 'seed'> = { bits: featureSpace.bits, epochs: 8, learningRate: 0.1, l2: 1e-5 };

export interface TrainedTask {
  model: LinearModel;
  categoryModel?: LinearModel;
  calibration: EvaluationReport;
  dev: EvaluationReport;
  /** Dev again, with attacks that share an eight-word run with a fitting attack left out: the figures for attacks the model has not nearly seen. */
  novelDev: EvaluationReport;
  categoryAccuracy?: { correct: number; total: number };
  counts: Record<string, Record<Example['fold'], number>>;
}

/** Calibrated probabilities of the benign examples, by group. */
function textNegatives(examples: readonly Example[], probabilityOf: (index: number) => number): Map<string, NegativeGroup> {
  const negatives = new Map<string, { scores: number[]; borderline: boolean }>();
  examples.forEach((item, index) => {
    if (item.label !== 0) return;
    const group = negatives.get(item.group) ?? { scores: [], borderline: item.borderline === true };
    group.scores.push(probabilityOf(index));
    negatives.set(item.group, group);
  });
  return negatives;
}

/**
 * For chunked models a document is flagged when any of its chunks is, so the false-positive rate
 * that matters is per document: each clean document counts once, with its most suspicious chunk.
 */
function documentNegatives(examples: readonly Example[], probabilityOf: (index: number) => number): Map<string, NegativeGroup> {
  const worst = new Map<number, number>();
  const attacked = new Set(examples.filter((item) => item.label === 1).map((item) => item.document));
  examples.forEach((item, index) => {
    if (item.document === undefined || attacked.has(item.document)) return;
    worst.set(item.document, Math.max(worst.get(item.document) ?? 0, probabilityOf(index)));
  });
  return new Map([['clean documents', { scores: [...worst.values()], borderline: false }]]);
}

/**
 * Scripts where the fitting data holds attacks (at least 20) but fewer benign texts than 200, or
 * than attacks: there the model has mostly learnt "this script means attack", so it must not block
 * on its own (see unreliableScripts in linear-model.ts).
 */
export function scriptsWithoutBenignCover(examples: readonly Example[]): string[] {
  const counts = new Map<string, { attacks: number; benign: number }>();
  for (const item of examples) {
    const script = dominantScript(item.text);
    if (script === undefined) continue;
    const entry = counts.get(script) ?? { attacks: 0, benign: 0 };
    if (item.label === 1) entry.attacks++;
    else entry.benign++;
    counts.set(script, entry);
  }
  return [...counts]
    .filter(([, { attacks, benign }]) => attacks >= 20 && (benign < 200 || benign < attacks))
    .map(([script]) => script)
    .sort();
}

function countByGroup(examples: readonly Example[]): TrainedTask['counts'] {
  const counts: TrainedTask['counts'] = {};
  for (const item of examples) {
    const key = `${item.label === 1 ? 'positive' : 'negative'} ${item.group}${item.borderline === true ? ' (borderline)' : ''}`;
    const entry = (counts[key] ??= { fit: 0, calibration: 0, dev: 0 });
    entry[item.fold]++;
  }
  return counts;
}

/** Fits, quantises, calibrates and thresholds one task's model, and reports on the held-out folds. */
export function trainTask(options: { task: Task; examples: readonly Example[]; vectoriser: Vectoriser; seed: number; fit?: Omit<FitOptions, 'seed'> }): TrainedTask {
  const { task, examples, vectoriser } = options;
  const fitOptions = { ...(options.fit ?? defaultFit), seed: options.seed };
  const fitting = examples.filter((item) => item.fold === 'fit');
  const { weights: floatWeights, bias } = fitBinary(
    { vectors: fitting.map((item) => vectoriser.vector(item.text)), labels: fitting.map((item) => item.label), weights: balancedWeights(fitting) },
    fitOptions,
  );
  const { table, scale } = quantize(floatWeights);
  const chunked = task === 'indirect_injection';
  const header = { format: 1 as const, task, space: { name: featureSpace.name, bits: vectoriser.bits }, classes: ['positive'], classBits: fitOptions.bits, bias: [bias], scale: [scale], ...(chunked ? { chunked } : {}) };
  const raw = new LinearModel(header, [table]);

  const calibrationFold = examples.filter((item) => item.fold === 'calibration');
  const logits = calibrationFold.map((item) => raw.logits(vectoriser.vector(item.text))[0] as number);
  const calibration = fitPlatt(logits, calibrationFold.map((item) => item.label));
  const probabilityOf = (index: number) => 1 / (1 + Math.exp(-(calibration.a * (logits[index] as number) + calibration.b)));
  const thresholds = chooseThresholds(chunked ? documentNegatives(calibrationFold, probabilityOf) : textNegatives(calibrationFold, probabilityOf));
  const unreliableScripts = scriptsWithoutBenignCover(fitting);
  const model = new LinearModel(
    { ...header, calibration, threshold: thresholds.threshold, strictThreshold: thresholds.strictThreshold, ...(unreliableScripts.length > 0 ? { unreliableScripts } : {}) },
    [table],
  );

  const fittingAttacks = new ShingleIndex();
  for (const item of fitting) if (item.label === 1) fittingAttacks.add(item.text);
  const dev = examples.filter((item) => item.fold === 'dev');
  const result: TrainedTask = {
    model,
    calibration: evaluate(model, calibrationFold, vectoriser),
    dev: evaluate(model, dev, vectoriser),
    novelDev: evaluate(model, dev.filter((item) => item.label === 0 || fittingAttacks.overlap(item.text, 8) === undefined), vectoriser),
    counts: countByGroup(examples),
  };
  if (task === 'harmful_request') {
    const categories = trainHarmCategories({ examples, vectoriser, seed: options.seed + 1 });
    result.categoryModel = categories.model;
    result.categoryAccuracy = categories.accuracy;
  }
  return result;
}
