/**
 * Quality and cost of the trained detectors, written to BENCHMARKS.md.
 *   npm run eval:detectors            (one core; takes a few minutes: it retrains for the cross-source figures)
 *   npm run eval:detectors -- --no-write
 * Everything is measured through the detectors as users run them (chunking, decoded payloads,
 * source filters), on the dev split; cross-source models are trained on the train split only.
 */
import { harmfulRequestClassifier, indirectInjectionClassifier, jailbreakClassifier, promptInjectionClassifier, toxicityClassifier } from '../src/detectors/classifiers/classifier-detectors.js';
import { riskScore } from '../src/detectors/classifiers/risk-score.js';
import type { Detector } from '../src/detectors/define-detector.js';
import { promptInjectionHeuristicsDetector } from '../src/detectors/prompt-injection-heuristics/prompt-injection-heuristics-detector.js';
import type { SourceRole } from '../src/core/finding.js';
import { NormalizedText } from '../src/text/normalized-text.js';
import { readRows } from '../training/datasets.js';
import { obfuscations } from '../training/obfuscate.js';
import { multilingualRequests } from '../training/multilingual-requests.js';
import { indirectFold, isHeldOutRequest, loadFiles, taskExamples, type Example, type Task } from '../training/task-data.js';
import { ShingleIndex } from '../training/text-shingles.js';
import { confusion, metricsHeader, metricsRow, ratio } from '../training/evaluation.js';
import { trainTask } from '../training/train-task.js';
import { Vectoriser } from '../training/vectoriser.js';
import { machineLine, writeSection } from './benchmarks-file.js';
import { sampleText } from './sample-text.js';

const detectors: Readonly<Record<Task, Detector>> = {
  prompt_injection: promptInjectionClassifier,
  jailbreak: jailbreakClassifier,
  harmful_request: harmfulRequestClassifier,
  toxicity: toxicityClassifier,
  indirect_injection: indirectInjectionClassifier,
};
const sourceFor: Readonly<Record<Task, SourceRole>> = { prompt_injection: 'user', jailbreak: 'user', harmful_request: 'user', toxicity: 'user', indirect_injection: 'tool' };
// Quality is measured with every score reported (min_score 0); latency with the default configuration.
const configs = new Map(Object.values(detectors).map((detector) => [detector, detector.configSchema.parse({ min_score: 0 })]));
const defaultConfigs = new Map(Object.values(detectors).map((detector) => [detector, detector.configSchema.parse({})]));
const heuristicsConfig = promptInjectionHeuristicsDetector.configSchema.parse({});
const signal = new AbortController().signal;

async function score(detector: Detector, text: string, source: SourceRole): Promise<number> {
  const config = detector === promptInjectionHeuristicsDetector ? heuristicsConfig : configs.get(detector);
  const hits = await detector.run({ text: new NormalizedText(text), stage: 'input', source }, config, { signal });
  return Math.max(0, ...hits.map((hit) => hit.score));
}

const files = loadFiles();
const lines: string[] = [`Measured ${machineLine()}. Command: \`npm run eval:detectors\` (one core).`, ''];

// 1. Quality on dev, per task. Indirect injection is scored per document (its most suspicious chunk).
lines.push('### Quality on the dev split', '', 'Risk score ≥ 0.5 is each model\'s 1 %-false-positive point on its calibration benign text ("warn" in the default policy); ≥ 0.8 its 0.1 % point; the default policy blocks model findings at ≥ 0.9. Positives / negatives are dev counts.', '');
lines.push(...metricsHeader);
const devScores = new Map<Task, { example: Example; score: number }[]>();
for (const task of Object.keys(detectors) as Task[]) {
  const examples =
    task === 'indirect_injection'
      ? files.indirect.filter((item) => indirectFold(item) === 'dev').map((item): Example => ({ text: item.text, label: item.label === 1 ? 1 : 0, group: item.label === 1 ? 'bipia-attacked' : 'bipia-clean', source: 'bipia', fold: 'dev' }))
      : taskExamples(task, files).filter((item) => item.fold === 'dev');
  const scored: { example: Example; score: number }[] = [];
  for (const example of examples) scored.push({ example, score: await score(detectors[task], example.text, sourceFor[task]) });
  devScores.set(task, scored);
  const flat = scored.map(({ example, score: value }) => ({ label: example.label, score: value }));
  const unit = task === 'indirect_injection' ? ' (per document)' : '';
  lines.push(
    metricsRow(`${detectors[task].id}${unit}, ≥ 0.5`, confusion(flat, 0.5)),
    metricsRow(`${detectors[task].id}${unit}, ≥ 0.8`, confusion(flat, 0.8)),
    metricsRow(`${detectors[task].id}${unit}, ≥ 0.9 (default block)`, confusion(flat, 0.9)),
  );
  if (task !== 'indirect_injection') {
    // The same, without dev attacks that share an eight-word run with a training attack.
    const seen = new ShingleIndex();
    for (const item of taskExamples(task, files)) if (item.label === 1 && item.fold === 'fit') seen.add(item.text);
    const novel = flat.filter((_, index) => scored[index]?.example.label === 0 || seen.overlap(scored[index]?.example.text ?? '', 8) === undefined);
    lines.push(metricsRow(`${detectors[task].id}, novel attacks only, ≥ 0.5`, confusion(novel, 0.5)));
  }
}
{
  lines.push('', 'Recall on dev attacks by language, where the data gives one (risk ≥ 0.5):', '', '| detector | language | attacks | recall |', '|---|---|---:|---:|');
  for (const task of ['prompt_injection', 'harmful_request'] as const) {
    const byLanguage = new Map<string, { flagged: number; total: number }>();
    for (const { example, score: value } of devScores.get(task) ?? []) {
      if (example.label !== 1 || example.lang === undefined) continue;
      const entry = byLanguage.get(example.lang) ?? { flagged: 0, total: 0 };
      entry.total++;
      if (value >= 0.5) entry.flagged++;
      byLanguage.set(example.lang, entry);
    }
    for (const [language, entry] of [...byLanguage].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`| ${detectors[task].id} | ${language} | ${entry.total} | ${ratio(entry.flagged, entry.total)} |`);
  }
}

// 2. Cross-source: train without one attack source (its rows in every fold), test on all of it.
lines.push('', '### Cross-source: trained without a source, tested on it', '', 'The model is retrained on the train split with every row of the held-out source removed (its attacks, and its own benign rows when it has them); recall is on all of that source\'s attacks, false-positive rate on the other benign dev rows. The gap to the in-source recall above is how much a model leans on having seen a source.', '');
lines.push('| task | held-out source | attacks | recall ≥ 0.5 | recall ≥ 0.8 | benign FPR ≥ 0.5 |', '|---|---|---:|---:|---:|---:|');
const vectoriser = new Vectoriser();
for (const task of ['prompt_injection', 'jailbreak', 'harmful_request', 'toxicity'] as const) {
  const examples = taskExamples(task, files);
  const sources = [...new Set(examples.filter((item) => item.label === 1 && item.source !== 'palisade-harassment').map((item) => item.source))];
  if (sources.length < 2) continue;
  for (const source of sources) {
    const training = examples.filter((item) => item.source !== source);
    const trained = trainTask({ task, examples: training.filter((item) => item.fold !== 'dev'), vectoriser, seed: 99 });
    const heldOut = examples.filter((item) => item.source === source && item.label === 1);
    const scores = heldOut.map((item) => riskScore(trained.model.probability(vectoriser.vector(item.text)), trained.model.header));
    const benign = training.filter((item) => item.fold === 'dev' && item.label === 0);
    const benignFlagged = benign.filter((item) => riskScore(trained.model.probability(vectoriser.vector(item.text)), trained.model.header) >= 0.5).length;
    lines.push(`| ${task} | ${source} | ${heldOut.length} | ${ratio(scores.filter((value) => value >= 0.5).length, scores.length)} | ${ratio(scores.filter((value) => value >= 0.8).length, scores.length)} | ${ratio(benignFlagged, benign.length)} |`);
  }
}
{
  // Indirect injection has one source; hold out each kind of inserted instruction instead.
  const examples = taskExamples('indirect_injection', files);
  const rows = files.indirect as { text: string; label?: number; category?: string; split: string }[];
  const categories = [...new Set(rows.filter((item) => item.label === 1).map((item) => item.category ?? ''))].filter((category) => rows.filter((item) => item.label === 1 && item.category === category).length >= 50);
  let recalled = 0;
  let total = 0;
  for (const category of categories) {
    const trained = trainTask({ task: 'indirect_injection', examples: examples.filter((item) => item.fold !== 'dev' && !(item.label === 1 && item.category === category)), vectoriser, seed: 99 });
    const config = { ...(configs.get(indirectInjectionClassifier) as object), model: trained.model } as never;
    for (const item of rows.filter((candidate) => candidate.label === 1 && candidate.category === category)) {
      const hits = await indirectInjectionClassifier.run({ text: new NormalizedText(item.text), stage: 'input', source: 'tool' }, config, { signal });
      total++;
      if (Math.max(0, ...hits.map((hit) => hit.score)) >= 0.5) recalled++;
    }
  }
  lines.push(`| indirect_injection | each kind of inserted instruction held out in turn (${categories.length} kinds) | ${total} | ${ratio(recalled, total)} | — | — |`);
}

// 3. False positives on benign text, per source and per language.
lines.push(
  '',
  '### False positives on benign text (dev), per source and per language, risk ≥ 0.5',
  '',
  'The shared benign data has non-English text only as short assistant commands (xSID); "our own requests" are longer everyday requests written for Palisade in twelve languages (4 held out per language), and "palisade-lookalikes (held out)" are benign prompts written to resemble attacks, from templates none of whose variants were trained on. None of this is model output: the toxicity model\'s output-stage rule (block toxic answers at 0.9) has no measured figure here, since the data holds no model answers.',
  '',
);
const ownRequests = Object.entries(multilingualRequests).flatMap(([lang, texts]) => texts.filter((_, index) => isHeldOutRequest(index)).map((text) => ({ text, source: 'palisade-multilingual (held out)', lang: `${lang}, our own requests` })));
const heldOutLookalikes = taskExamples('prompt_injection', { ...files, injection: [], harmful: [], toxicity: [], benign: [] })
  .filter((item) => item.fold === 'dev' && item.group === 'palisade-lookalikes')
  .map((item) => ({ text: item.text, source: 'palisade-lookalikes (held out)', lang: undefined as string | undefined }));
const benignRows = [...readRows('benign.jsonl', 'dev'), ...files.injection.filter((item) => item.split === 'dev' && item.label === 0), ...ownRequests, ...heldOutLookalikes];
const classifierTasks = ['prompt_injection', 'jailbreak', 'harmful_request', 'toxicity'] as const;
const perKey = new Map<string, Map<Task, { flagged: number; total: number }>>();
for (const item of benignRows) {
  const keys = [`source: ${item.source.split(':')[0]}`, `language: ${item.lang ?? 'en'}`, 'all benign'];
  for (const task of classifierTasks) {
    const flagged = (await score(detectors[task], item.text, 'user')) >= 0.5;
    for (const key of keys) {
      const byTask = perKey.get(key) ?? new Map();
      const entry = byTask.get(task) ?? { flagged: 0, total: 0 };
      entry.total++;
      if (flagged) entry.flagged++;
      byTask.set(task, entry);
      perKey.set(key, byTask);
    }
  }
}
lines.push(`| benign texts | n | ${classifierTasks.join(' | ')} |`, `|---|---:|${classifierTasks.map(() => '---:').join('|')}|`);
for (const [key, byTask] of [...perKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const total = byTask.get('prompt_injection')?.total ?? 0;
  if (total < 4) continue;
  lines.push(`| ${key} | ${total} | ${classifierTasks.map((task) => ratio(byTask.get(task)?.flagged ?? 0, byTask.get(task)?.total ?? 0)).join(' | ')} |`);
}

// 4. The ensemble: heuristics and classifier, as the default policy combines them (either one firing).
lines.push('', '### Prompt injection: heuristics, classifier, and both (the default policy)', '', 'On injection.jsonl dev (both labels) plus the benign dev pool. The default policy acts on the most restrictive finding, so "both" means either detector reaching the threshold.', '');
lines.push('| detectors, threshold | precision | recall | F1 | false-positive rate | positives / negatives |', '|---|---:|---:|---:|---:|---:|');
{
  const pool = [...files.injection.filter((item) => item.split === 'dev'), ...readRows('benign.jsonl', 'dev')];
  const scored: { label: number; heuristics: number; classifier: number }[] = [];
  for (const item of pool) scored.push({ label: item.label === 1 ? 1 : 0, heuristics: await score(promptInjectionHeuristicsDetector, item.text, 'user'), classifier: await score(promptInjectionClassifier, item.text, 'user') });
  for (const cut of [0.5, 0.8]) {
    lines.push(metricsRow(`heuristics, ≥ ${cut}`, confusion(scored.map((item) => ({ label: item.label, score: item.heuristics })), cut)));
    lines.push(metricsRow(`classifier, ≥ ${cut}`, confusion(scored.map((item) => ({ label: item.label, score: item.classifier })), cut)));
    lines.push(metricsRow(`**both**, ≥ ${cut}`, confusion(scored.map((item) => ({ label: item.label, score: Math.max(item.heuristics, item.classifier) })), cut)));
  }
}

// 5. Obfuscated attacks: recall on dev positives disguised each way.
lines.push('', '### Recall on disguised attacks (dev positives, risk ≥ 0.5)', '');
const names = Object.keys(obfuscations);
lines.push(`| detector | plain | ${names.join(' | ')} |`, `|---|---:|${names.map(() => '---:').join('|')}|`);
for (const task of classifierTasks) {
  const positives = (devScores.get(task) ?? []).filter(({ example }) => example.label === 1).slice(0, 200);
  const cells = [ratio(positives.filter(({ score: value }) => value >= 0.5).length, positives.length)];
  for (const name of names) {
    let flagged = 0;
    for (const [index, { example }] of positives.entries()) if ((await score(detectors[task], (obfuscations[name] as (text: string, seed: number) => string)(example.text, index), 'user')) >= 0.5) flagged++;
    cells.push(ratio(flagged, positives.length));
  }
  lines.push(`| ${detectors[task].id} (${positives.length}) | ${cells.join(' | ')} |`);
}

// 6. Cost: latency per detector and memory.
lines.push('', '### Latency per detector (ms, one core), model size', '', 'Each detector alone, on a fresh text each time (so it pays for the shared features itself); "all five" runs them together on one text, sharing the features as the engine does.', '');
lines.push('| detector | 100 B p50 | 100 B p99 | 1 KB p50 | 1 KB p99 | 10 KB p50 | 10 KB p99 |', '|---|---:|---:|---:|---:|---:|---:|');
function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] as number;
}
async function time(run: (text: NormalizedText) => Promise<unknown>, size: number): Promise<[number, number]> {
  const text = sampleText(size);
  const samples: number[] = [];
  const iterations = size >= 10_000 ? 600 : 3000;
  for (let index = 0; index < iterations + 200; index++) {
    const normalized = new NormalizedText(text);
    const started = performance.now();
    await run(normalized);
    if (index >= 200) samples.push(performance.now() - started);
  }
  return [percentile(samples, 0.5), percentile(samples, 0.99)];
}
const all = Object.values(detectors);
const sourceOf = (detector: Detector): SourceRole => (detector === indirectInjectionClassifier ? 'tool' : 'user');
for (const [name, run] of [
  ...all.map((detector) => [detector.id, (text: NormalizedText) => Promise.resolve(detector.run({ text, stage: 'input', source: sourceOf(detector) }, defaultConfigs.get(detector), { signal }))] as const),
  ['all five together', async (text: NormalizedText) => { for (const detector of all) await detector.run({ text, stage: 'input', source: sourceOf(detector) }, defaultConfigs.get(detector), { signal }); }] as const,
]) {
  const cells: string[] = [];
  for (const size of [100, 1_000, 10_000]) cells.push(...(await time(run, size)).map((ms) => ms.toFixed(3)));
  lines.push(`| ${name} | ${cells.join(' | ')} |`);
}
const { spawnSync } = await import('node:child_process');
const probe = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL('./memory-probe.ts', import.meta.url).pathname], { encoding: 'utf8' });
const memory = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '{}') as { heapBytes: number; arrayBufferBytes: number };
const { statSync, readdirSync } = await import('node:fs');
const modelFiles = readdirSync(new URL('../models/', import.meta.url)).filter((file) => file.endsWith('.model'));
const onDisk = modelFiles.reduce((sum, file) => sum + statSync(new URL(`../models/${file}`, import.meta.url)).size, 0);
lines.push(
  '',
  `Model files on disk: ${modelFiles.length} files, ${(onDisk / 2 ** 20).toFixed(2)} MB together (target: under 20 MB: met). Loading all five detectors in a fresh process adds ${(memory.arrayBufferBytes / 2 ** 20).toFixed(2)} MB of typed arrays (the int8 weight tables and feature scratch) and ${(memory.heapBytes / 2 ** 20).toFixed(2)} MB of heap (\`bench/memory-probe.ts\`). The category model's interleaved copy (0.5 MB) is made on first use.`,
);

console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('classifier-eval', lines.join('\n'));
