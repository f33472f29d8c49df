/**
 * Dataset text must not be copied into the project. This compares the texts Palisade writes
 * itself (look-alikes, templated abuse, multilingual requests, probes) and every string literal
 * of eight or more words in sources, tests and docs against every row of ../shared/datasets:
 * a text equal to a row (after normalising, at least four words) or sharing any run of eight
 * words with one is a violation.
 *   npm run check:data           (exit 1 on a violation)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readRows } from './datasets.js';
import { harassmentExamples } from './harassment.js';
import { benignLookalikes } from './lookalikes.js';
import { multilingualRequests } from './multilingual-requests.js';
import { probes } from './probes.js';
import { ShingleIndex, shingleLength, words } from './text-shingles.js';

export interface Violation {
  where: string;
  text: string;
  reason: string;
}

/** An index of every dataset row. */
export class DatasetIndex {
  readonly #index = new ShingleIndex();

  constructor() {
    for (const file of ['benign.jsonl', 'injection.jsonl', 'jailbreak.jsonl', 'harmful.jsonl', 'toxicity.jsonl', 'indirect.jsonl', 'pii.jsonl']) {
      for (const row of readRows(file)) this.#index.add(row.text);
    }
  }

  check(text: string, where: string): Violation | undefined {
    const reason = this.#index.overlap(text);
    return reason === undefined ? undefined : { where, text, reason: `${reason.replace('an indexed text', 'a dataset row')}${reason.startsWith('shares') ? ' with a dataset row' : ''}` };
  }
}

/** The texts the training pipeline writes itself. */
export function generatedTexts(): { where: string; text: string }[] {
  return [
    ...benignLookalikes().map(({ text }) => ({ where: 'training/lookalikes.ts', text })),
    ...harassmentExamples().map((text) => ({ where: 'training/harassment.ts', text })),
    ...Object.values(multilingualRequests).flat().map((text) => ({ where: 'training/multilingual-requests.ts', text })),
    ...Object.values(probes).flat().map((text) => ({ where: 'training/probes.ts', text })),
  ];
}

const root = resolve(import.meta.dirname, '..');
// Literals on one line only: a stray quote in a comment must not make a "string" of the code between.
const literal = /'((?:[^'\\\n]|\\.){30,})'|"((?:[^"\\\n]|\\.){30,})"|`((?:[^`\\\n$]|\\.){30,})`/g;

function* files(directory: string): Generator<string> {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|md|yaml)$/.test(name)) yield path;
  }
}

/** String literals (and Markdown and YAML lines) of eight or more words in the repository's own files. */
export function repositoryTexts(): { where: string; text: string }[] {
  const found: { where: string; text: string }[] = [];
  for (const directory of ['src', 'training', 'bench', 'docs', 'models', 'policies', 'suites']) {
    for (const path of files(join(root, directory))) {
      const content = readFileSync(path, 'utf8');
      const where = relative(root, path);
      const candidates = path.endsWith('.ts') ? [...content.matchAll(literal)].map((match) => match[1] ?? match[2] ?? match[3] ?? '') : content.split('\n');
      for (const text of candidates) if (words(text).length >= shingleLength) found.push({ where, text });
    }
  }
  return found;
}

export function findViolations(texts: readonly { where: string; text: string }[], index = new DatasetIndex()): Violation[] {
  return texts.flatMap(({ where, text }) => {
    const violation = index.check(text, where);
    return violation === undefined ? [] : [violation];
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const violations = findViolations([...generatedTexts(), ...repositoryTexts()]);
  for (const violation of violations) console.error(`${violation.where}: ${violation.reason}: ${violation.text.slice(0, 120)}`);
  console.log(violations.length === 0 ? 'no dataset text found in the repository' : `${violations.length} text(s) copied from the datasets`);
  process.exit(violations.length === 0 ? 0 : 1);
}
