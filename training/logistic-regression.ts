import type { SparseVector } from '../src/detectors/classifiers/hashed-features.js';
import { seededRandom, shuffled } from './seeded-random.js';

export interface FitOptions {
  /** Weight tables have 2^bits entries; feature indices are folded in by masking. */
  bits: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export interface WeightedSet {
  vectors: readonly SparseVector[];
  /** Class index per example: 0/1 for binary models. */
  labels: readonly number[];
  /** Per-example weight; normalised to a mean of 1 before fitting. */
  weights: readonly number[];
}

function normalisedWeights(weights: readonly number[]): Float64Array {
  const mean = weights.reduce((sum, weight) => sum + weight, 0) / Math.max(1, weights.length);
  return Float64Array.from(weights, (weight) => weight / (mean || 1));
}

/**
 * Binary logistic regression by stochastic gradient descent with AdaGrad step sizes and L2
 * regularisation applied to the features each step touches. The example order is shuffled by a
 * seeded generator, so the same data and seed give the same weights, bit for bit.
 */
export function fitBinary(set: WeightedSet, options: FitOptions): { weights: Float64Array; bias: number } {
  const size = 1 << options.bits;
  const mask = size - 1;
  const weights = new Float64Array(size);
  const squares = new Float64Array(size);
  const sampleWeights = normalisedWeights(set.weights);
  const random = seededRandom(options.seed);
  const order = set.vectors.map((_, index) => index);
  let bias = 0;
  let biasSquares = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const index of shuffled(order, random)) {
      const vector = set.vectors[index] as SparseVector;
      let logit = bias;
      for (let at = 0; at < vector.indices.length; at++) logit += (weights[(vector.indices[at] as number) & mask] as number) * (vector.values[at] as number);
      const error = (1 / (1 + Math.exp(-logit)) - (set.labels[index] as number)) * (sampleWeights[index] as number);
      for (let at = 0; at < vector.indices.length; at++) {
        const feature = (vector.indices[at] as number) & mask;
        const gradient = error * (vector.values[at] as number) + options.l2 * (weights[feature] as number);
        squares[feature] = (squares[feature] as number) + gradient * gradient;
        weights[feature] = (weights[feature] as number) - (options.learningRate * gradient) / (Math.sqrt(squares[feature] as number) + 1e-8);
      }
      biasSquares += error * error;
      bias -= (options.learningRate * error) / (Math.sqrt(biasSquares) + 1e-8);
    }
  }
  return { weights, bias };
}

/** Multinomial logistic regression (softmax), trained the same way, for category models. */
export function fitSoftmax(set: WeightedSet, options: FitOptions & { classes: number }): { weights: Float64Array[]; bias: number[] } {
  const size = 1 << options.bits;
  const mask = size - 1;
  const weights = Array.from({ length: options.classes }, () => new Float64Array(size));
  const squares = Array.from({ length: options.classes }, () => new Float64Array(size));
  const bias = new Array<number>(options.classes).fill(0);
  const biasSquares = new Array<number>(options.classes).fill(0);
  const sampleWeights = normalisedWeights(set.weights);
  const random = seededRandom(options.seed);
  const order = set.vectors.map((_, index) => index);
  const logits = new Float64Array(options.classes);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const index of shuffled(order, random)) {
      const vector = set.vectors[index] as SparseVector;
      let top = -Infinity;
      for (let k = 0; k < options.classes; k++) {
        let logit = bias[k] as number;
        const table = weights[k] as Float64Array;
        for (let at = 0; at < vector.indices.length; at++) logit += (table[(vector.indices[at] as number) & mask] as number) * (vector.values[at] as number);
        logits[k] = logit;
        if (logit > top) top = logit;
      }
      let total = 0;
      for (let k = 0; k < options.classes; k++) total += Math.exp((logits[k] as number) - top);
      for (let k = 0; k < options.classes; k++) {
        const probability = Math.exp((logits[k] as number) - top) / total;
        const error = (probability - (set.labels[index] === k ? 1 : 0)) * (sampleWeights[index] as number);
        const table = weights[k] as Float64Array;
        const tableSquares = squares[k] as Float64Array;
        for (let at = 0; at < vector.indices.length; at++) {
          const feature = (vector.indices[at] as number) & mask;
          const gradient = error * (vector.values[at] as number) + options.l2 * (table[feature] as number);
          tableSquares[feature] = (tableSquares[feature] as number) + gradient * gradient;
          table[feature] = (table[feature] as number) - (options.learningRate * gradient) / (Math.sqrt(tableSquares[feature] as number) + 1e-8);
        }
        biasSquares[k] = (biasSquares[k] as number) + error * error;
        bias[k] = (bias[k] as number) - (options.learningRate * error) / (Math.sqrt(biasSquares[k] as number) + 1e-8);
      }
    }
  }
  return { weights, bias };
}

/** int8 weights with one scale per table: a quarter of float32's size, indistinguishable scores in practice. */
export function quantize(weights: Float64Array): { table: Int8Array; scale: number } {
  let largest = 0;
  for (const weight of weights) largest = Math.max(largest, Math.abs(weight));
  const scale = largest === 0 ? 1 : largest / 127;
  const table = new Int8Array(weights.length);
  for (let index = 0; index < weights.length; index++) table[index] = Math.round((weights[index] as number) / scale);
  return { table, scale };
}
