/**
 * Quality of the rule-based detectors on the shared labelled data.
 *   npm run eval:rules               (dev split: the figures reported in BENCHMARKS.md)
 *   npm run eval:rules -- --split train   (the split used for tuning)
 * Prints Markdown tables; `--json FILE` also writes the raw figures.
 */
import { writeFileSync } from 'node:fs';
import { builtinDetectors, createDetectorRegistry, createGuardEngine, loadDefaultPolicy, NormalizedText } from '../src/index.js';
import { piiDetector } from '../src/detectors/pii/pii-detector.js';
import { promptInjectionHeuristicsDetector } from '../src/detectors/prompt-injection-heuristics/prompt-injection-heuristics-detector.js';
import { secretsDetector } from '../src/detectors/secrets/secrets-detector.js';
import type { Detector } from '../src/detectors/define-detector.js';
import { machineLine, writeSection } from './benchmarks-file.js';
import { readRows, splitArgument, type Row } from '../training/datasets.js';

const split = splitArgument(process.argv);
const policyThreshold = 0.5;

/** Presidio entity names for the entities the pii detector covers. */
const presidioEntity: Readonly<Record<string, string>> = {
  EMAIL_ADDRESS: 'pii.email',
  PHONE_NUMBER: 'pii.phone',
  CREDIT_CARD: 'pii.credit_card',
  IBAN_CODE: 'pii.iban',
  US_SSN: 'pii.us_ssn',
  IP_ADDRESS: 'pii.ip_address',
};

async function hitsOf(detector: Detector, text: string) {
  const config = detector.configSchema.parse({});
  return [...(await detector.run({ text: new NormalizedText(text), stage: 'input', source: 'user' }, config, { signal: new AbortController().signal }))];
}

function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? '—' : (numerator / denominator).toFixed(3);
}

async function evaluatePii(): Promise<Record<string, { tp: number; fp: number; fn: number }>> {
  const counts: Record<string, { tp: number; fp: number; fn: number }> = {};
  for (const category of Object.values(presidioEntity)) counts[category] = { tp: 0, fp: 0, fn: 0 };
  for (const row of readRows('pii.jsonl', split)) {
    const gold = (row.spans ?? []).flatMap((span) => (presidioEntity[span.type] === undefined ? [] : [{ ...span, category: presidioEntity[span.type] as string, used: false }]));
    const predicted = (await hitsOf(piiDetector, row.text)).filter((hit) => hit.score >= policyThreshold);
    for (const hit of predicted) {
      const span = hit.spans[0];
      const match = gold.find((g) => !g.used && g.category === hit.category && span !== undefined && span.start < g.end && g.start < span.end);
      const entry = counts[hit.category] as { tp: number; fp: number; fn: number };
      if (match === undefined) entry.fp++;
      else {
        match.used = true;
        entry.tp++;
      }
    }
    for (const g of gold) if (!g.used) (counts[g.category] as { fn: number }).fn++;
  }
  return counts;
}

interface Rate {
  flagged: number;
  total: number;
}

function add(rates: Map<string, Rate>, key: string, flagged: boolean): void {
  const rate = rates.get(key) ?? { flagged: 0, total: 0 };
  rate.total++;
  if (flagged) rate.flagged++;
  rates.set(key, rate);
}

async function injectionScore(text: string): Promise<number> {
  return Math.max(0, ...(await hitsOf(promptInjectionHeuristicsDetector, text)).map((hit) => hit.score));
}

async function evaluateHeuristics(threshold: number) {
  const attacks = new Map<string, Rate>();
  const benign = new Map<string, Rate>();
  const attackRows: Row[] = [...readRows('injection.jsonl', split), ...readRows('jailbreak.jsonl', split)];
  for (const row of attackRows) {
    const flagged = (await injectionScore(row.text)) >= threshold;
    const source = row.source.split(':')[0] as string;
    if (row.label === 1) {
      add(attacks, `${source}${row.lang === undefined ? '' : ` (${row.lang === 'English' ? 'en' : 'non-en'})`}`, flagged);
      add(attacks, 'all attacks', flagged);
    } else {
      add(benign, `${source} (benign)`, flagged);
      add(benign, 'all benign', flagged);
    }
  }
  for (const row of readRows('benign.jsonl', split)) {
    const flagged = (await injectionScore(row.text)) >= threshold;
    add(benign, row.source.split(':')[0] as string, flagged);
    add(benign, 'all benign', flagged);
  }
  return { attacks, benign };
}

async function evaluateSecretsFalsePositives(): Promise<Rate> {
  const rate: Rate = { flagged: 0, total: 0 };
  for (const file of ['benign.jsonl', 'injection.jsonl', 'jailbreak.jsonl', 'pii.jsonl']) {
    for (const row of readRows(file, split)) {
      rate.total++;
      if ((await hitsOf(secretsDetector, row.text)).some((hit) => hit.score >= policyThreshold)) rate.flagged++;
    }
  }
  return rate;
}

async function evaluateDefaultPolicy(): Promise<Map<string, Rate>> {
  const engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
  const blocked = new Map<string, Rate>();
  for (const row of readRows('benign.jsonl', split)) {
    const decision = await engine.check({ text: row.text });
    add(blocked, row.lang === undefined || row.lang === 'en' ? 'benign, English' : 'benign, other languages', decision.action === 'block');
  }
  for (const row of [...readRows('injection.jsonl', split), ...readRows('jailbreak.jsonl', split)]) {
    const decision = await engine.check({ text: row.text });
    add(blocked, row.label === 1 ? 'attacks (injection + jailbreak)' : 'benign prompts in injection.jsonl', decision.action === 'block');
  }
  return blocked;
}

const pii = await evaluatePii();
const lines: string[] = [`Measured ${machineLine()}. Command: \`npm run eval:rules\`.`, '', `Split: ${split}. Threshold: score ≥ ${policyThreshold} (the default policy's).`, ''];
lines.push('### pii (pii.jsonl, Presidio synthetic sentences)', '', '| entity | gold | precision | recall | F1 |', '|---|---:|---:|---:|---:|');
for (const [category, { tp, fp, fn }] of Object.entries(pii)) {
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  lines.push(`| ${category} | ${tp + fn} | ${ratio(tp, tp + fp)} | ${ratio(tp, tp + fn)} | ${tp + fp === 0 || tp + fn === 0 ? '—' : ((2 * precision * recall) / (precision + recall || 1)).toFixed(3)} |`);
}
/** Precision and recall where one file holds both labels: injection.jsonl (deepset's benign prompts are its negatives). */
async function injectionPrecision(threshold: number): Promise<{ tp: number; fp: number; fn: number; tn: number }> {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const row of readRows('injection.jsonl', split)) {
    const flagged = (await injectionScore(row.text)) >= threshold;
    if (row.label === 1) counts[flagged ? 'tp' : 'fn']++;
    else counts[flagged ? 'fp' : 'tn']++;
  }
  return counts;
}

lines.push('', '### prompt_injection_heuristics: precision and recall on injection.jsonl (both labels)', '', '| threshold | precision | recall | F1 | false-positive rate |', '|---|---:|---:|---:|---:|');
for (const threshold of [0.5, 0.8]) {
  const { tp, fp, fn, tn } = await injectionPrecision(threshold);
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  lines.push(`| ≥ ${threshold} | ${ratio(tp, tp + fp)} | ${ratio(tp, tp + fn)} | ${((2 * precision * recall) / (precision + recall)).toFixed(3)} | ${ratio(fp, fp + tn)} |`);
}

const heuristicResults: Record<string, unknown> = {};
for (const threshold of [0.5, 0.8]) {
  const { attacks, benign } = await evaluateHeuristics(threshold);
  heuristicResults[String(threshold)] = { attacks: Object.fromEntries(attacks), benign: Object.fromEntries(benign) };
  lines.push('', `### prompt_injection_heuristics, score ≥ ${threshold} (${threshold === 0.5 ? 'warn' : 'block'} in the default policy)`, '', '| attacks: source | n | recall |', '|---|---:|---:|');
  for (const [key, rate] of attacks) lines.push(`| ${key} | ${rate.total} | ${ratio(rate.flagged, rate.total)} |`);
  lines.push('', '| benign: source | n | false-positive rate |', '|---|---:|---:|');
  for (const [key, rate] of benign) lines.push(`| ${key} | ${rate.total} | ${ratio(rate.flagged, rate.total)} |`);
}
const secrets = await evaluateSecretsFalsePositives();
lines.push(
  '',
  '### secrets',
  '',
  `False positives on ${secrets.total} texts without credentials (benign, injection, jailbreak, pii sets): ${secrets.flagged} (${ratio(secrets.flagged, secrets.total)}).`,
  'The shared data holds no credentials, so recall is not measured here; it is covered per provider by the tests (`src/detectors/secrets/secrets-detector.test.ts`). `custom_rules` has no fixed behaviour to measure: it runs what the policy gives it.',
);
const blocked = await evaluateDefaultPolicy();
lines.push('', '### default policy, whole input stage: block rate', '', '| texts | n | blocked |', '|---|---:|---:|');
for (const [key, rate] of blocked) lines.push(`| ${key} | ${rate.total} | ${ratio(rate.flagged, rate.total)} |`);
console.log(lines.join('\n'));
if (split === 'dev' && !process.argv.includes('--no-write')) writeSection('rule-eval', lines.join('\n'));

const jsonIndex = process.argv.indexOf('--json');
if (jsonIndex !== -1 && process.argv[jsonIndex + 1] !== undefined) {
  writeFileSync(process.argv[jsonIndex + 1] as string, JSON.stringify({ split, pii, heuristics: heuristicResults, secrets, defaultPolicy: Object.fromEntries(blocked) }, null, 2));
}
