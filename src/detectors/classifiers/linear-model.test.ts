import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import { FeatureHasher, featureSpace } from './hashed-features.js';
import { LinearModel, type ModelHeader } from './linear-model.js';
import { riskScore } from './risk-score.js';

function model(overrides: Partial<ModelHeader> = {}, weights?: Int8Array[]): LinearModel {
  const header: ModelHeader = {
    format: 1,
    task: 'test',
    space: { name: featureSpace.name, bits: featureSpace.bits },
    classes: ['positive'],
    classBits: 4,
    bias: [0.5],
    scale: [0.1],
    calibration: { a: 2, b: -1 },
    threshold: 0.3,
    strictThreshold: 0.9,
    ...overrides,
  };
  return new LinearModel(header, weights ?? header.classes.map(() => Int8Array.from({ length: 16 }, (_, index) => index - 8)));
}

describe('LinearModel', () => {
  const vector = new FeatureHasher().features('a short text');

  it('round-trips through its file format exactly', () => {
    const original = model();
    const decoded = LinearModel.decode(original.encode());
    expect(decoded.header).toEqual(original.header);
    expect(decoded.probability(vector)).toBe(original.probability(vector));
    expect(Buffer.compare(Buffer.from(decoded.encode()), Buffer.from(original.encode()))).toBe(0);
  });

  it('applies bias, scale and Platt calibration', () => {
    const flat = model({ bias: [1], calibration: { a: 2, b: -1 } }, [new Int8Array(16)]);
    expect(flat.logits(vector)).toEqual([1]);
    expect(flat.probability(vector)).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it('gives category probabilities that sum to one', () => {
    const categories = model({ classes: ['a', 'b', 'c'], bias: [0, 1, 2], scale: [0.1, 0.1, 0.1] });
    const probabilities = categories.classProbabilities(vector);
    expect(probabilities.map((entry) => entry.label)).toEqual(['a', 'b', 'c']);
    expect(probabilities.reduce((sum, entry) => sum + entry.probability, 0)).toBeCloseTo(1, 12);
  });

  it('refuses headers that would score nonsense: missing biases, non-numbers, inverted thresholds', () => {
    const table = [new Int8Array(16)];
    expect(() => model({ bias: [] }, table)).toThrow(/bias and scale need one entry per class/);
    expect(() => model({ calibration: { a: 'x' as unknown as number, b: 0 } }, table)).toThrow(/calibration\.a/);
    expect(() => model({ threshold: 0.9, strictThreshold: 0.5 }, table)).toThrow(/strictThreshold below threshold/);
    expect(() => model({ classBits: 20 }, table)).toThrow(/classBits larger than the feature space|weight tables/);
    expect(() => model({ scale: [Number.NaN] }, table)).toThrow(/scale/);
  });

  it('checks that a file fits the detector: its task, binary or categories, and calibration present', () => {
    expect(() => model().assertShape({ task: 'other', binary: true })).toThrow(/trained for "test", not "other"/);
    expect(() => model({ classes: ['a', 'b'], bias: [0, 0], scale: [1, 1] }).assertShape({ task: 'test', binary: true })).toThrow(/binary model is expected/);
    expect(() => model({ calibration: undefined }).assertShape({ task: 'test', binary: true })).toThrow(/needs its calibration/);
    expect(model().assertShape({ task: 'test', binary: true })).toBeInstanceOf(LinearModel);
  });

  it('refuses files that are not models, are cut short, or were built for another feature space', () => {
    const bytes = model().encode();
    expect(() => LinearModel.decode(Buffer.from('hello world, not a model'))).toThrow(/bad magic/);
    expect(() => LinearModel.decode(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => LinearModel.decode(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing/);
    expect(() => model({ space: { name: 'other-space', bits: 18 } }).assertFeatureSpace()).toThrow(PalisadeError);
    expect(() => model({ space: { name: featureSpace.name, bits: 20 } }).assertFeatureSpace()).toThrow(/this build computes/);
    expect(model().assertFeatureSpace()).toBeInstanceOf(LinearModel);
  });
});

describe('riskScore', () => {
  const header = { threshold: 0.2, strictThreshold: 0.6 };

  it('puts the 1 % point at 0.5 and the 0.1 % point at 0.8, linearly between', () => {
    const expected: [number, number][] = [[0, 0], [0.1, 0.25], [0.2, 0.5], [0.4, 0.65], [0.6, 0.8], [0.8, 0.9], [1, 1]];
    for (const [probability, score] of expected) expect(riskScore(probability, header)).toBeCloseTo(score, 12);
    expect(riskScore(0.2 - 1e-9, header)).toBeLessThan(0.5);
    expect(riskScore(0.6 - 1e-9, header)).toBeLessThan(0.8);
  });

  it('is monotone, even when both points coincide', () => {
    const same = { threshold: 0.4, strictThreshold: 0.4 };
    let previous = -1;
    for (let probability = 0; probability <= 1; probability += 0.01) {
      const score = riskScore(probability, same);
      expect(score).toBeGreaterThanOrEqual(previous);
      previous = score;
    }
  });
});
