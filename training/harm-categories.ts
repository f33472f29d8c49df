import { featureSpace } from '../src/detectors/classifiers/hashed-features.js';
import { LinearModel } from '../src/detectors/classifiers/linear-model.js';
import { fitSoftmax, quantize, type FitOptions } from './logistic-regression.js';
import { harmCategory, harmCategoryNames, type Example } from './task-data.js';
import type { Vectoriser } from './vectoriser.js';

export const categoryFit: Omit<FitOptions, 'seed'> = { bits: 16, epochs: 8, learningRate: 0.3, l2: 1e-6 };

/** Which kind of harm a harmful request asks for, learnt from the rows whose source labels say. */
export function trainHarmCategories(options: { examples: readonly Example[]; vectoriser: Vectoriser; seed: number }): { model: LinearModel; accuracy: { correct: number; total: number } } {
  const labelled = options.examples.flatMap((item) => {
    const category = item.label === 1 && !item.group.startsWith('augmented:') ? harmCategory(item.category) : undefined;
    return category === undefined ? [] : [{ item, classIndex: harmCategoryNames.indexOf(category) }];
  });
  const fitting = labelled.filter(({ item }) => item.fold !== 'dev');
  const counts = new Map<number, number>();
  for (const { classIndex } of fitting) counts.set(classIndex, (counts.get(classIndex) ?? 0) + 1);
  const bits = Math.min(categoryFit.bits, options.vectoriser.bits);
  const fit = fitSoftmax(
    {
      vectors: fitting.map(({ item }) => options.vectoriser.vector(item.text)),
      labels: fitting.map(({ classIndex }) => classIndex),
      weights: fitting.map(({ classIndex }) => 1 / Math.sqrt(counts.get(classIndex) ?? 1)),
    },
    { ...categoryFit, bits, seed: options.seed, classes: harmCategoryNames.length },
  );
  const quantized = fit.weights.map(quantize);
  const model = new LinearModel(
    {
      format: 1,
      task: 'harmful_request_category',
      space: { name: featureSpace.name, bits: options.vectoriser.bits },
      classes: [...harmCategoryNames],
      classBits: bits,
      bias: fit.bias,
      scale: quantized.map((q) => q.scale),
    },
    quantized.map((q) => q.table),
  );
  let correct = 0;
  const dev = labelled.filter(({ item }) => item.fold === 'dev');
  for (const { item, classIndex } of dev) {
    const probabilities = model.classProbabilities(options.vectoriser.vector(item.text));
    const best = probabilities.reduce((top, entry, index) => (entry.probability > (probabilities[top]?.probability ?? -1) ? index : top), 0);
    if (best === classIndex) correct++;
  }
  return { model, accuracy: { correct, total: dev.length } };
}
