/**
 * The alternatives tried before settling on the shipped design, trained and measured the same
 * way on the same data: words only, character n-grams only, both, three table sizes, and the
 * shipped mix (words + character 3–4-grams). Choice is made on the calibration fold, weighing
 * recall against extraction time; dev is shown for completeness.
 *   node --max-old-space-size=8192 --import tsx training/compare-features.ts [--write]
 */
import { FeatureHasher, featureSpace } from '../src/detectors/classifiers/hashed-features.js';
import { NormalizedText } from '../src/text/normalized-text.js';
import { machineLine, writeSection } from '../bench/benchmarks-file.js';
import { loadFiles, taskExamples, tasks } from './task-data.js';
import type { Confusion } from './evaluation.js';
import { defaultFit, trainTask } from './train-task.js';
import { Vectoriser } from './vectoriser.js';

const variants = [
  { name: 'words only (uni+bigrams), 2^18', bits: 18, words: true, charLengths: [] as number[] },
  { name: 'characters only (3–5), 2^18', bits: 18, words: false, charLengths: [3, 4, 5] },
  { name: 'words + characters 3–5, 2^18', bits: 18, words: true, charLengths: [3, 4, 5] },
  { name: 'words + characters 3–5, 2^16', bits: 16, words: true, charLengths: [3, 4, 5] },
  { name: 'words + characters 3–5, 2^20', bits: 20, words: true, charLengths: [3, 4, 5] },
  { name: 'words + characters 3–4, 2^18 (shipped)', bits: 18, words: true, charLengths: [3, 4] },
];

const files = loadFiles();
const recall = (c: Confusion) => (c.tp / (c.tp + c.fn)).toFixed(3);
const fpr = (c: Confusion) => (c.fp / (c.fp + c.tn)).toFixed(4);
const lines = [
  'The shipped design is chosen on the calibration fold, weighing recall at the 1 % point against feature extraction time; dev is shown for completeness.',
  '',
  `Measured ${machineLine()}. Command: \`node --max-old-space-size=8192 --import tsx training/compare-features.ts --write\`.`,
  '',
  'Each variant is trained, calibrated and thresholded exactly like the shipped models (same data, folds, seed and settings). Recall at risk 0.5 (the 1 %-false-positive point), calibration fold / dev; µs is the median feature extraction time for a 1 KB prompt.',
  '',
  `| variant | µs / 1 KB | ${tasks.map((task) => `${task} cal / dev`).join(' | ')} | model size |`,
  `|---|---:|${tasks.map(() => '---:').join('|')}|---:|`,
];
// Every variant is timed first, before training fills the heap, so collection does not land in the timings.
const sample = new NormalizedText('Could you help me draft a short note to the team about moving the planning meeting to Thursday? '.repeat(10).slice(0, 1000)).folded.text;
const timings = variants.map((variant) => {
  const hasher = new FeatureHasher(variant.bits, variant);
  for (let index = 0; index < 2000; index++) hasher.features(sample);
  const samples: number[] = [];
  for (let index = 0; index < 5000; index++) {
    const started = performance.now();
    hasher.features(sample);
    samples.push(performance.now() - started);
  }
  return (samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] as number) * 1000;
});
for (const [variantIndex, variant] of variants.entries()) {
  const micros = timings[variantIndex] as number;
  const vectoriser = new Vectoriser(new FeatureHasher(variant.bits, variant));
  const cells: string[] = [];
  for (const [index, task] of tasks.entries()) {
    const trained = trainTask({ task, examples: taskExamples(task, files), vectoriser, seed: 20261122 + index * 1000, fit: { ...defaultFit, bits: variant.bits } });
    cells.push(`${recall(trained.calibration.warn)} / ${recall(trained.dev.warn)} (FPR ${fpr(trained.dev.warn)})`);
  }
  lines.push(`| ${variant.name} | ${micros.toFixed(0)} | ${cells.join(' | ')} | ${((1 << variant.bits) / 1024).toFixed(0)} KB per model |`);
  console.log(lines[lines.length - 1]);
}
lines.push('', `Shipped: \`${featureSpace.name}\`, 2^${featureSpace.bits} buckets.`);
if (process.argv.includes('--write')) writeSection('feature-alternatives', lines.join('\n'));
