import type { LinearModel } from '../src/detectors/classifiers/linear-model.js';
import { metricsHeader, metricsRow, ratio, type EvaluationReport } from './evaluation.js';
import type { TrainedTask } from './train-task.js';
import type { Task } from './task-data.js';
import type { FitOptions } from './logistic-regression.js';

const descriptions: Readonly<Record<Task, string>> = {
  prompt_injection: 'Direct prompt injection: instruction override, role hijacking, system-prompt extraction, in the user\'s own message.',
  jailbreak: 'Jailbreak prompts: role-play, persona and "developer mode" framings meant to lift the model\'s rules.',
  harmful_request: 'Requests for seriously harmful help, with a category (violence, hate and harassment, crime, drugs, self-harm, sexual, misinformation, privacy).',
  toxicity: 'Toxic language: hate, harassment and profanity aimed at people.',
  indirect_injection: 'Instructions hidden inside documents, e-mails, tables, code or tool output, scored chunk by chunk (sentences and lines).',
};

function groupRows(report: EvaluationReport): string[] {
  return Object.entries(report.groups)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([group, rate]) => `| ${group} | ${rate.total} | ${ratio(rate.flagged, rate.total)} |`);
}

/** The model card: what the model is for, what it was trained on and how, and how well it does. No dates, so it rebuilds byte for byte. */
export function modelCard(options: { task: Task; trained: TrainedTask; fit: FitOptions; file: string; bytes: number; sha256: string; categoryFile?: string }): string {
  const { task, trained, fit } = options;
  const header = trained.model.header;
  const lines = [
    `# Model card: ${task}`,
    '',
    descriptions[task],
    '',
    `File: \`${options.file}\` (${options.bytes} bytes, sha256 \`${options.sha256}\`)${options.categoryFile === undefined ? '' : `; categories: \`${options.categoryFile}\``}. Rebuild: \`npm run train\`; verify: \`npm run train -- --check\`.`,
    '',
    '## Data',
    '',
    'From `../shared/datasets/` (sources and licences in its README), plus Palisade\'s own benign look-alikes (`training/lookalikes.ts`)' +
      (task === 'toxicity' ? ' and templated abuse aimed at people (`training/harassment.ts`, fit and calibration folds only: no dev figure counts them)' : '') +
      (task === 'indirect_injection' ? '; train-split direct-injection attacks inserted into clean train-split documents ("palisade-inserted", fit and calibration only)' : '') +
      '. Folds: `fit` = train split minus the calibration fifth; `calibration` = a fifth of the train split by text hash, used only for calibration and thresholds; `dev` = the dev split, used only for the figures below.',
    '',
    '| label and group | fit | calibration | dev |',
    '|---|---:|---:|---:|',
    ...Object.entries(trained.counts)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([group, counts]) => `| ${group} | ${counts.fit} | ${counts.calibration} | ${counts.dev} |`),
    '',
    '## Features and model',
    '',
    `- Text: the folded view (NFKC, invisible characters removed, lower case, accents, look-alike letters and leetspeak folded), so disguises the normaliser undoes cost nothing; decoded payloads are scored separately at run time.${header.chunked === true ? ' Documents are cut into sentence- and line-sized chunks; a document scores as its most suspicious chunk.' : ''}`,
    `- Features: \`${header.space.name}\` — word unigrams and bigrams and character 3- and 4-grams, hashed with a sign bit into 2^${header.space.bits} buckets, counts damped to 1 + ln(count), L2-normalised.`,
    `- Model: logistic regression, ${fit.epochs} epochs of AdaGrad SGD (learning rate ${fit.learningRate}, L2 ${fit.l2}), seed ${fit.seed}; positives and negatives weighted equally, and within each side every group by the square root of its size. Weights stored as int8 (one scale per table).`,
    `- Calibration: Platt scaling on the calibration fold, a = ${header.calibration?.a.toFixed(6)}, b = ${header.calibration?.b.toFixed(6)}.`,
    `- Operating points, chosen on the calibration fold: probability ${header.threshold?.toFixed(6)} (risk score 0.5, "warn" in the default policy) keeps all benign texts together, and every ordinary benign group of ≥ 200 texts, at ≤ 1 % false positives — the task's own borderline negatives (marked "borderline" below) bind it only through the pool; ${header.strictThreshold?.toFixed(6)} (risk score 0.8) keeps all benign texts at ≤ 0.1 % and every group of ≥ 200, borderline ones included, at ≤ 1 %. The default policy blocks model findings only from 0.9 (held-out benign prompts were still refused at 0.8); a policy can move all of these (\`min_score\` on rules).`,
    '',
    ...(header.unreliableScripts === undefined
      ? []
      : [
          `- Scripts the benign training data hardly covers (it holds attacks in them but too few benign texts): ${header.unreliableScripts.join(', ')}. A text mostly written in one of these can warn but is never blocked on this model's score alone (its risk stays at 0.79).`,
          '',
        ]),
    '## Quality',
    '',
    'Read these with the cross-source figures in BENCHMARKS.md (a model trained without a source, tested on it): they are the better guide to attacks nobody here has seen, and they are much lower. Dev shares its sources with training; "novel" leaves out dev attacks that share an eight-word run with a fitting attack.',
    '',
    ...metricsHeader,
    metricsRow('calibration, ≥ 0.5', trained.calibration.warn),
    metricsRow('calibration, ≥ 0.8', trained.calibration.block),
    metricsRow('**dev, ≥ 0.5**', trained.dev.warn),
    metricsRow('**dev, ≥ 0.8**', trained.dev.block),
    metricsRow('dev, novel attacks only, ≥ 0.5', trained.novelDev.warn),
    metricsRow('dev, novel attacks only, ≥ 0.8', trained.novelDev.block),
    ...(header.chunked === true
      ? ['', 'These rows count chunks. Operating points were chosen per clean document (a document is flagged when any chunk is); per-document figures are in BENCHMARKS.md.']
      : []),
    '',
    'Share flagged at risk score ≥ 0.5 on dev, per group (recall for attack groups, false-positive rate for the others):',
    '',
    '| group | n | flagged |',
    '|---|---:|---:|',
    ...groupRows(trained.dev),
  ];
  if (trained.categoryAccuracy !== undefined) {
    lines.push('', `Category accuracy on dev rows whose source gives a category: ${ratio(trained.categoryAccuracy.correct, trained.categoryAccuracy.total)} (${trained.categoryAccuracy.total} rows). Classes: ${(trained.categoryModel as LinearModel).header.classes.join(', ')}.`);
  }
  lines.push(
    '',
    '## Limits',
    '',
    '- Learned from public data whose non-English attacks are mostly machine-translated; real traffic will differ. Cross-source figures (train without a source, test on it) are in BENCHMARKS.md: they are the better guide to attacks nobody here has seen.',
    '- A bag of n-grams sees words, not intent: a benign text dense with attack vocabulary can score high, and an attack in plain words can score low. It knows only the vocabulary of its sources: a harmful request about a topic they never mention (a drug named only by its chemical name, say) can pass unnoticed. The heuristics and the policy\'s other detectors run beside it.',
    '- Probabilities are calibrated on the training mixture of sources, not on your traffic; the operating points are what the policy relies on.',
  );
  if (task === 'prompt_injection') {
    lines.push("- CyberSecEval labels an input relative to the app's system prompt, which the model never sees: off-topic questions, and trivia used as padding before a request for a password, count as attacks. Leaving the off-topic rows out cost recall on the rest (0.78 to 0.72 on the remaining dev attacks), so they stay; plain factual questions written for Palisade push back, but a question the model saw inside an attack (a famous novel's author, say) can still draw a warning. The default policy blocks on this model only at 0.9.");
  }
  return `${lines.join('\n')}\n`;
}
