/**
 * Trains Palisade's classifiers from ../shared/datasets and writes models/.
 *   npm run train                  rebuild every model, card and the manifest
 *   npm run train -- --task toxicity
 *   npm run train -- --check       rebuild in memory and fail if any file differs from the committed one
 * Same data + same seed → byte-identical files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { featureSpace } from '../src/detectors/classifiers/hashed-features.js';
import { findViolations, generatedTexts } from './check-contamination.js';
import { datasetsDirectory } from './datasets.js';
import { modelCard } from './model-card.js';
import { probeScores } from './probes.js';
import { loadFiles, taskExamples, tasks, type Task } from './task-data.js';
import { defaultFit, trainTask } from './train-task.js';
import { Vectoriser } from './vectoriser.js';

export const baseSeed = 20261122;
const modelsDirectory = resolve(import.meta.dirname, '../models');

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const only = argv.includes('--task') ? (argv[argv.indexOf('--task') + 1] as Task) : undefined;
if (only !== undefined && !tasks.includes(only)) throw new Error(`--task must be one of ${tasks.join(', ')}`);
if (!existsSync(datasetsDirectory())) throw new Error(`no datasets at ${datasetsDirectory()}; set PALISADE_DATASETS`);

// Our own texts must not be dataset text in disguise (and if they were, dev figures would be inflated).
const copied = findViolations(generatedTexts());
if (copied.length > 0) {
  for (const violation of copied) console.error(`${violation.where}: ${violation.reason}: ${violation.text.slice(0, 100)}`);
  throw new Error('generated training texts overlap the datasets; rewrite them (npm run check:data)');
}

const files = loadFiles();
const vectoriser = new Vectoriser();
const outputs = new Map<string, Uint8Array | string>();
const manifestPath = resolve(modelsDirectory, 'manifest.json');
const manifest = (existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { models: {} }) as { models: Record<string, unknown> };

for (const [index, task] of tasks.entries()) {
  if (only !== undefined && task !== only) continue;
  const started = performance.now();
  const seed = baseSeed + index * 1000;
  const examples = taskExamples(task, files);
  const trained = trainTask({ task, examples, vectoriser, seed });
  const file = `${task}.model`;
  const bytes = trained.model.encode();
  outputs.set(file, bytes);
  let categoryFile: string | undefined;
  if (trained.categoryModel !== undefined) {
    categoryFile = `${task}.categories.model`;
    outputs.set(categoryFile, trained.categoryModel.encode());
  }
  const digest = sha256(bytes);
  const card = modelCard({ task, trained, fit: { ...defaultFit, seed }, file, bytes: bytes.length, sha256: digest, ...(categoryFile === undefined ? {} : { categoryFile }) });
  outputs.set(`${task}.md`, card);
  manifest.models[task] = {
    file,
    sha256: digest,
    ...(categoryFile === undefined ? {} : { categories: { file: categoryFile, sha256: sha256(outputs.get(categoryFile) as Uint8Array) } }),
    threshold: trained.model.header.threshold,
    strictThreshold: trained.model.header.strictThreshold,
    dev: trained.dev.warn,
    probes: probeScores(task, trained.model),
  };
  const { tp, fp, fn, tn } = trained.dev.warn;
  console.log(`${task}: dev precision ${(tp / (tp + fp)).toFixed(3)} recall ${(tp / (tp + fn)).toFixed(3)} fpr ${(fp / (fp + tn)).toFixed(4)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
outputs.set('manifest.json', `${JSON.stringify({ featureSpace, seed: baseSeed, ...manifest }, null, 2)}\n`);

let differences = 0;
for (const [name, content] of outputs) {
  const path = resolve(modelsDirectory, name);
  if (check) {
    const same = existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(content)) === 0;
    if (!same) {
      differences++;
      console.error(`differs: models/${name}`);
    }
  } else writeFileSync(path, content);
}
if (check) {
  if (differences > 0) {
    console.error(`${differences} file(s) differ from what the pipeline produces`);
    process.exit(1);
  }
  console.log('models/ matches what the pipeline produces, byte for byte');
}
