import { featureSpace, FeatureHasher, type SparseVector } from '../src/detectors/classifiers/hashed-features.js';
import { LinearModel, type ModelHeader } from '../src/detectors/classifiers/linear-model.js';
import { riskScore } from '../src/detectors/classifiers/risk-score.js';
import { NormalizedText } from '../src/text/normalized-text.js';
import { chooseThresholds, fitPlatt } from './calibration.js';
import { fitBinary, fitSoftmax, quantize, type FitOptions } from './logistic-regression.js';
import { harmCategory, harmCategoryNames, type Example, type Task } from './task-data.js';

/** Chosen with training/tune.ts on the calibration fold (recall at the 1 % and 0.1 % points), never on dev. */
export const defaultFit: Omit<FitOptions, 'seed'> = { bits: featureSpace.bits, epochs: 8, learningRate: 0.1, l2: 1e-5 };
export const categoryFit: Omit<FitOptions, 'seed'> = { bits: 16, epochs: 8, learningRate: 0.3, l2: 1e-6 };

/** Feature vectors of folded texts, computed once per text however many tasks use it. */
export class Vectoriser {
  readonly #hasher: FeatureHasher;

  get bits(): number {
    return this.#hasher.bits;
  }

  readonly #cache = new Map<string, SparseVector>();

  constructor(hasher: FeatureHasher = new FeatureHasher(featureSpace.bits)) {
    this.#hasher = hasher;
  }

  vector(text: string): SparseVector {
    let vector = this.#cache.get(text);
    if (vector === undefined) this.#cache.set(text, (vector = this.#hasher.features(new NormalizedText(text).folded.text)));
    return vector;
  }
}

/**
 * Weights so that positives and negatives carry equal total weight, and within each side every
 * group carries weight proportional to the square root of its size: the large benign pools
 * still count most, but small hard-negative groups and small attack sources are not drowned.
 * (Hard-negative groups are boosted on top; the two sides then no longer weigh exactly the same.)
 */
/**
 * Benign texts that look most like attacks: instruction-style prompts, our look-alikes, and
 * requests of another kind. They are few, and over-refusal is learnt from them, so they count triple.
 * Benign texts in languages other than English count ten times: the attack data is the main source
 * of those languages, and without them a model learns "Chinese means attack".
 */
export const hardNegativeGroups: ReadonlySet<string> = new Set(['benign:self-instruct', 'benign:deepset-legitimate', 'palisade-lookalikes', 'other:harmful-requests']);
const hardNegativeBoost = 3;

const otherLanguageBoost = 10;

function negativeBoost(item: Example): number {
  if (item.label !== 0) return 1;
  if (item.lang !== undefined && item.lang !== 'en' && item.lang !== 'English') return otherLanguageBoost;
  return hardNegativeGroups.has(item.group) ? hardNegativeBoost : 1;
}

export function balancedWeights(examples: readonly Example[]): number[] {
  const sizes = new Map<string, number>();
  for (const item of examples) sizes.set(`${item.label}:${item.group}`, (sizes.get(`${item.label}:${item.group}`) ?? 0) + 1);
  const sideTotals = [0, 0];
  for (const [key, size] of sizes) sideTotals[Number(key[0])] = (sideTotals[Number(key[0])] as number) + Math.sqrt(size);
  return examples.map((item) => {
    const size = sizes.get(`${item.label}:${item.group}`) as number;
    const boost = negativeBoost(item);
    return (boost * Math.sqrt(size)) / (sideTotals[item.label] as number) / size;
  });
}

export interface RateCounts {
  flagged: number;
  total: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface EvaluationReport {
  /** At risk score ≥ 0.5 (the model's 1 %-FPR point) and ≥ 0.8 (its 0.1 % point). */
  warn: Confusion;
  block: Confusion;
  /** Share flagged at ≥ 0.5, per group. */
  groups: Record<string, RateCounts>;
}

export function evaluate(model: LinearModel, examples: readonly Example[], vectoriser: Vectoriser): EvaluationReport {
  const report: EvaluationReport = { warn: { tp: 0, fp: 0, fn: 0, tn: 0 }, block: { tp: 0, fp: 0, fn: 0, tn: 0 }, groups: {} };
  for (const item of examples) {
    const score = riskScore(model.probability(vectoriser.vector(item.text)), model.header);
    for (const [confusion, cut] of [[report.warn, 0.5], [report.block, 0.8]] as const) {
      const flagged = score >= cut;
      if (item.label === 1) confusion[flagged ? 'tp' : 'fn']++;
      else confusion[flagged ? 'fp' : 'tn']++;
    }
    const group = (report.groups[`${item.group}${item.borderline === true ? ' (borderline)' : ''}`] ??= { flagged: 0, total: 0 });
    group.total++;
    if (score >= 0.5) group.flagged++;
  }
  return report;
}

export interface TrainedTask {
  model: LinearModel;
  categoryModel?: LinearModel;
  calibration: EvaluationReport;
  dev: EvaluationReport;
  categoryAccuracy?: { correct: number; total: number };
  counts: Record<string, Record<Example['fold'], number>>;
}

function header(options: { task: string; spaceBits: number; classes: string[]; classBits: number; bias: number[]; scale: number[]; chunked: boolean }): ModelHeader {
  const result: ModelHeader = {
    format: 1,
    task: options.task,
    space: { name: featureSpace.name, bits: options.spaceBits },
    classes: options.classes,
    classBits: options.classBits,
    bias: options.bias,
    scale: options.scale,
  };
  if (options.chunked) result.chunked = true;
  return result;
}

/** Calibrated probabilities of the benign examples, by group. */
function textNegatives(examples: readonly Example[], probabilityOf: (index: number) => number): Map<string, { scores: number[]; borderline: boolean }> {
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
function documentNegatives(examples: readonly Example[], probabilityOf: (index: number) => number): Map<string, { scores: number[]; borderline: boolean }> {
  const worst = new Map<number, number>();
  const attacked = new Set(examples.filter((item) => item.label === 1).map((item) => item.document));
  examples.forEach((item, index) => {
    if (item.document === undefined || attacked.has(item.document)) return;
    worst.set(item.document, Math.max(worst.get(item.document) ?? 0, probabilityOf(index)));
  });
  return new Map([['clean documents', { scores: [...worst.values()], borderline: false }]]);
}

/** Fits, quantises, calibrates and thresholds one task's model, and reports on the held-out folds. */
export function trainTask(options: { task: Task; examples: readonly Example[]; vectoriser: Vectoriser; seed: number; fit?: Omit<FitOptions, 'seed'> }): TrainedTask {
  const { task, examples, vectoriser } = options;
  const fitOptions = { ...(options.fit ?? defaultFit), seed: options.seed };
  const fitting = examples.filter((item) => item.fold === 'fit');
  const weights = balancedWeights(fitting);
  const { weights: floatWeights, bias } = fitBinary(
    { vectors: fitting.map((item) => vectoriser.vector(item.text)), labels: fitting.map((item) => item.label), weights },
    fitOptions,
  );
  const { table, scale } = quantize(floatWeights);
  const chunked = task === 'indirect_injection';
  const raw = new LinearModel(header({ task, spaceBits: vectoriser.bits, classes: ['positive'], classBits: fitOptions.bits, bias: [bias], scale: [scale], chunked }), [table]);

  const calibrationFold = examples.filter((item) => item.fold === 'calibration');
  const logits = calibrationFold.map((item) => raw.logits(vectoriser.vector(item.text))[0] as number);
  const calibration = fitPlatt(logits, calibrationFold.map((item) => item.label));
  const probabilityOf = (index: number) => 1 / (1 + Math.exp(-(calibration.a * (logits[index] as number) + calibration.b)));
  const thresholds = chooseThresholds(chunked ? documentNegatives(calibrationFold, probabilityOf) : textNegatives(calibrationFold, probabilityOf));
  const model = new LinearModel({ ...raw.header, calibration, threshold: thresholds.threshold, strictThreshold: thresholds.strictThreshold }, [table]);

  const counts: TrainedTask['counts'] = {};
  for (const item of examples) {
    const key = `${item.label === 1 ? 'positive' : 'negative'} ${item.group}${item.borderline === true ? ' (borderline)' : ''}`;
    const entry = (counts[key] ??= { fit: 0, calibration: 0, dev: 0 });
    entry[item.fold]++;
  }
  const result: TrainedTask = {
    model,
    calibration: evaluate(model, calibrationFold, vectoriser),
    dev: evaluate(model, examples.filter((item) => item.fold === 'dev'), vectoriser),
    counts,
  };
  if (task === 'harmful_request') Object.assign(result, trainHarmCategories({ examples, vectoriser, seed: options.seed + 1 }));
  return result;
}

/** Which kind of harm a harmful request asks for, from the rows whose source labels say. */
function trainHarmCategories(options: { examples: readonly Example[]; vectoriser: Vectoriser; seed: number }): Pick<TrainedTask, 'categoryModel' | 'categoryAccuracy'> {
  const labelled = options.examples.flatMap((item) => {
    const category = item.label === 1 ? harmCategory(item.category) : undefined;
    return category === undefined ? [] : [{ item, classIndex: harmCategoryNames.indexOf(category) }];
  });
  const fitting = labelled.filter(({ item }) => item.fold !== 'dev');
  const counts = new Map<number, number>();
  for (const { classIndex } of fitting) counts.set(classIndex, (counts.get(classIndex) ?? 0) + 1);
  const fit = fitSoftmax(
    {
      vectors: fitting.map(({ item }) => options.vectoriser.vector(item.text)),
      labels: fitting.map(({ classIndex }) => classIndex),
      weights: fitting.map(({ classIndex }) => 1 / Math.sqrt(counts.get(classIndex) ?? 1)),
    },
    { ...categoryFit, bits: Math.min(categoryFit.bits, options.vectoriser.bits), seed: options.seed, classes: harmCategoryNames.length },
  );
  const quantized = fit.weights.map(quantize);
  const categoryModel = new LinearModel(
    header({ task: 'harmful_request_category', spaceBits: options.vectoriser.bits, classes: [...harmCategoryNames], classBits: Math.min(categoryFit.bits, options.vectoriser.bits), bias: fit.bias, scale: quantized.map((q) => q.scale), chunked: false }),
    quantized.map((q) => q.table),
  );
  let correct = 0;
  const dev = labelled.filter(({ item }) => item.fold === 'dev');
  for (const { item, classIndex } of dev) {
    const probabilities = categoryModel.classProbabilities(options.vectoriser.vector(item.text));
    const best = probabilities.reduce((top, entry, index) => (entry.probability > (probabilities[top]?.probability ?? -1) ? index : top), 0);
    if (best === classIndex) correct++;
  }
  return { categoryModel, categoryAccuracy: { correct, total: dev.length } };
}
