import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { formatPath } from '../../core/format-path.js';
import { issuesFromZod } from '../../policy/policy-issues.js';
import type { CaseKind, EvalCase, EvalMessage } from '../eval-case.js';
import { seededRandom } from '../strategies/seeded-random.js';
import { languageTag, messageSchema } from './suite-schema.js';

/**
 * JSON Lines of labelled prompts as eval cases. Two row shapes are read:
 * - the shared datasets' (`../shared/datasets`): `text`, `label` (1 attack, 0 benign), `split`,
 *   `source`, `lang`, `category` (a sub-category, kept as the tag `dataset-category:<value>`: the
 *   case's category comes from the options or the file name), `system` (the app's system prompt);
 * - a user's: `prompt` or `messages`, `label` or `kind`, `category`, `language`, `id`, `tags`, `system`.
 * Other fields are ignored. A bad line is reported with its number and skipped; it never stops the load.
 */
export interface DatasetOptions {
  /** Only rows with this `split` (`train`, `dev`); rows without one are left out too. Default: every row. */
  split?: string;
  /** At most this many cases, picked at random with `seed` (the same seed gives the same cases), kept in file order. */
  sample?: number;
  seed?: number;
  /** Label → kind, merged over the defaults (1/true/attack → attack, 0/false/benign → benign); `skip` leaves such rows out. */
  labels?: Readonly<Record<string, CaseKind | 'skip'>>;
  /** The kind of rows that have neither `label` nor `kind` (files of positives only). Without it such rows are bad lines. */
  kind?: CaseKind;
  /** Every case's category. Default: the row's `category` (user rows), else one from the file name (`injection.jsonl` → `prompt_injection`). */
  category?: string;
  /** For rows without a language. Default `en`. */
  language?: string;
  /** Ids are `<prefix>:<line>` for rows without an `id`. Default: the file's name without extension. */
  idPrefix?: string;
  /** Added to every case. */
  tags?: readonly string[];
}

export interface DatasetProblem {
  line: number;
  message: string;
}

export interface DatasetLoad {
  cases: EvalCase[];
  /** Non-empty lines read. */
  lines: number;
  loaded: number;
  /** Bad lines, skipped. */
  skipped: number;
  /** Good lines not selected: another split, or a label mapped to `skip`. */
  excluded: number;
  /** Selected lines the sample left out. */
  sampledOut: number;
  /** The first 100 problems, by line. */
  problems: DatasetProblem[];
  /** One line for people: what was loaded and what was not. */
  summary: string;
}

const maxProblemsKept = 100;

const defaultLabels: Readonly<Record<string, CaseKind>> = { '1': 'attack', '0': 'benign', true: 'attack', false: 'benign', attack: 'attack', benign: 'benign' };

/** The shared datasets' files and the category their cases get. */
const fileCategories: Readonly<Record<string, string>> = {
  injection: 'prompt_injection',
  jailbreak: 'jailbreak',
  harmful: 'harmful',
  toxicity: 'toxicity',
  indirect: 'indirect_injection',
  benign: 'benign',
  pii: 'pii',
};

/** Language names some datasets use instead of tags. */
const languageNames: Readonly<Record<string, string>> = {
  arabic: 'ar', bengali: 'bn', chinese: 'zh', czech: 'cs', danish: 'da', dutch: 'nl', english: 'en', filipino: 'fil', 'filipino/tagalog': 'fil',
  finnish: 'fi', french: 'fr', german: 'de', greek: 'el', hebrew: 'he', hindi: 'hi', hungarian: 'hu', indonesian: 'id', italian: 'it',
  japanese: 'ja', javanese: 'jv', kazakh: 'kk', korean: 'ko', lithuanian: 'lt', malay: 'ms', marathi: 'mr', norwegian: 'no', persian: 'fa',
  polish: 'pl', portuguese: 'pt', romanian: 'ro', russian: 'ru', serbian: 'sr', spanish: 'es', swahili: 'sw', swedish: 'sv', tagalog: 'tl',
  tamil: 'ta', telugu: 'te', thai: 'th', turkish: 'tr', ukrainian: 'uk', urdu: 'ur', vietnamese: 'vi',
};

const rowSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).optional(),
  text: z.string().optional(),
  prompt: z.string().optional(),
  messages: z.array(messageSchema).min(1).optional(),
  system: z.string().optional(),
  label: z.union([z.number(), z.string(), z.boolean()]).optional(),
  kind: z.enum(['attack', 'benign']).optional(),
  category: z.string().optional(),
  language: z.string().optional(),
  lang: z.string().optional(),
  split: z.string().optional(),
  source: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

type Row = z.output<typeof rowSchema>;

class LineProblem extends Error {}

function languageOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const named = languageNames[value.trim().toLowerCase()];
  if (named !== undefined) return named;
  if (languageTag.safeParse(value).success) return value;
  throw new LineProblem(`unknown language "${value.slice(0, 40)}"`);
}

/** `Violence & incitement` → `violence_incitement`: usable as a category or tag. */
function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.]+/gu, '_')
    .replace(/^[_.]+|[_.]+$/g, '');
}

function conversationOf(row: Row): EvalMessage[] {
  const given = (['text', 'prompt', 'messages'] as const).filter((field) => row[field] !== undefined);
  if (given.length === 0) throw new LineProblem('no text, prompt or messages');
  if (given.length > 1) throw new LineProblem(`give one of text, prompt and messages (got ${given.join(', ')})`);
  const text = row.text ?? row.prompt;
  const messages: EvalMessage[] = text !== undefined ? [{ role: 'user', content: text }] : (row.messages ?? []).map((message) => ({ ...message }));
  if (messages.every((message) => message.content.trim() === '')) throw new LineProblem('the text is empty');
  return row.system !== undefined && row.system.trim() !== '' ? [{ role: 'system', content: row.system }, ...messages] : messages;
}

function kindOf(row: Row, labels: Readonly<Record<string, CaseKind | 'skip'>>, fallback: CaseKind | undefined): CaseKind | 'skip' {
  if (row.kind !== undefined) return row.kind;
  if (row.label === undefined) {
    if (fallback === undefined) throw new LineProblem('no label or kind');
    return fallback;
  }
  const key = String(row.label).trim().toLowerCase();
  const kind = labels[key];
  if (kind === undefined) throw new LineProblem(`label ${JSON.stringify(row.label)} is not mapped to a kind (mapped: ${Object.keys(labels).join(', ')})`);
  return kind;
}

export interface ParseDatasetOptions extends DatasetOptions {
  text: string;
  /** Shown in messages, and the default id prefix and category. */
  file: string;
}

function checkOptions(options: DatasetOptions): void {
  if (options.sample !== undefined && (!Number.isInteger(options.sample) || options.sample < 1)) throw new PalisadeError('invalid_argument', `sample must be a positive whole number, got ${options.sample}`);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new PalisadeError('invalid_argument', `seed must be a whole number, got ${options.seed}`);
  if (options.language !== undefined && !languageTag.safeParse(options.language).success) throw new PalisadeError('invalid_argument', `language must be a BCP 47 tag, got "${options.language}"`);
}

/** Parses JSON Lines text; see `DatasetOptions` for what is selected and how rows become cases. */
export function parseDataset(options: ParseDatasetOptions): DatasetLoad {
  checkOptions(options);
  const name = basename(options.file, extname(options.file));
  const prefix = options.idPrefix ?? name;
  const labels: Record<string, CaseKind | 'skip'> = { ...defaultLabels };
  for (const [label, kind] of Object.entries(options.labels ?? {})) labels[label.trim().toLowerCase()] = kind;
  const problems: DatasetProblem[] = [];
  let skipped = 0;
  let excluded = 0;
  let lines = 0;
  const selected: EvalCase[] = [];
  const ids = new Set<string>();
  const report = (line: number, message: string): void => {
    skipped++;
    if (problems.length < maxProblemsKept) problems.push({ line, message });
  };

  options.text.split('\n').forEach((source, index) => {
    const line = index + 1;
    if (source.trim() === '') return;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      return report(line, 'not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return report(line, 'not a JSON object');
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      const issue = issuesFromZod(parsed.error.issues)[0];
      return report(line, issue === undefined ? 'invalid row' : `${formatPath(issue.path) || 'row'}: ${issue.message}`);
    }
    const row = parsed.data;
    try {
      const messages = conversationOf(row);
      if (options.split !== undefined && row.split !== options.split) {
        excluded++;
        return;
      }
      const kind = kindOf(row, labels, options.kind);
      if (kind === 'skip') {
        excluded++;
        return;
      }
      const id = row.id === undefined ? `${prefix}:${line}` : String(row.id);
      if (id.includes('~')) throw new LineProblem(`id "${id.slice(0, 60)}" contains "~", which is kept for cases derived by strategies`);
      if (ids.has(id)) throw new LineProblem(`duplicate id "${id.slice(0, 60)}"`);
      const shared = row.text !== undefined;
      const category = options.category ?? (!shared && row.category !== undefined && slug(row.category) !== '' ? slug(row.category) : (fileCategories[name] ?? (slug(name) || 'dataset')));
      const tags = [...(options.tags ?? []), ...(row.tags ?? [])];
      if (row.source !== undefined) tags.push(`source:${row.source}`);
      if (shared && row.category !== undefined && slug(row.category) !== '') tags.push(`dataset-category:${slug(row.category)}`);
      ids.add(id);
      selected.push({
        id,
        kind,
        messages,
        expect: kind === 'attack' ? 'blocked' : 'allowed',
        category,
        language: languageOf(row.language ?? row.lang) ?? options.language ?? 'en',
        tags: [...new Set(tags)],
        assertions: [],
      });
    } catch (error) {
      if (error instanceof LineProblem) return report(line, error.message);
      throw error;
    }
  });

  const cases = sampled(selected, options);
  const attacks = cases.filter((evalCase) => evalCase.kind === 'attack').length;
  const sampledOut = selected.length - cases.length;
  const parts = [`${options.file}: loaded ${cases.length} case${cases.length === 1 ? '' : 's'} (${attacks} attack, ${cases.length - attacks} benign) from ${lines} line${lines === 1 ? '' : 's'}`];
  if (excluded > 0) parts.push(`${excluded} not selected (split or label)`);
  if (sampledOut > 0) parts.push(`${sampledOut} left out by the sample`);
  if (skipped > 0) parts.push(`${skipped} bad line${skipped === 1 ? '' : 's'} skipped (first: line ${problems[0]?.line}: ${problems[0]?.message})`);
  return { cases, lines, loaded: cases.length, skipped, excluded, sampledOut, problems, summary: parts.join('; ') };
}

/** A seeded sample, in file order. */
function sampled(cases: readonly EvalCase[], options: DatasetOptions): EvalCase[] {
  if (options.sample === undefined || options.sample >= cases.length) return [...cases];
  const random = seededRandom(options.seed ?? 0);
  const order = cases.map((_, index) => index);
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  return order
    .slice(0, options.sample)
    .sort((a, b) => a - b)
    .map((index) => cases[index] as EvalCase);
}

/** Reads a JSON Lines file; see `parseDataset`. A file that cannot be read is an `invalid_argument` error. */
export function loadDataset(path: string, options: DatasetOptions = {}): DatasetLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
    throw new PalisadeError('invalid_argument', `cannot read dataset ${path}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseDataset({ text, file: path, ...options });
}
