import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { describeIssues, issuesFromZod, LineCounter, type PolicyIssue } from '../../policy/policy-issues.js';
import type { EvalCase, EvalMessage } from '../eval-case.js';
import { builtinStrategies } from '../strategies/builtin-strategies.js';
import { resolveStrategies } from '../strategies/configure-strategies.js';
import type { ConfiguredStrategy, Strategy } from '../strategies/strategy.js';
import { suiteSchema, type SuiteCaseInput, type SuiteDocument, type SuiteThresholds } from './suite-schema.js';

/** A loaded suite: its cases as written (strategies not yet applied) and the strategies to apply. */
export interface Suite {
  name: string;
  description?: string;
  /** The file it was read from, as shown in messages. */
  file?: string;
  thresholds: SuiteThresholds;
  strategies: ConfiguredStrategy[];
  cases: EvalCase[];
}

export interface ParseSuiteOptions {
  text: string;
  /** Shown in error messages; defaults to `suite`. */
  file?: string;
  /** The strategies a suite may name; defaults to the built-in ones. */
  strategies?: readonly Strategy[];
}

const builtinDirectory = new URL('../../../suites/', import.meta.url);

function invalid(message: string, options: { cause?: unknown; details?: { path?: string; message: string }[] } = {}): never {
  throw new PalisadeError('invalid_config', message, options);
}

function toCase(input: SuiteCaseInput, defaults: SuiteDocument['defaults']): EvalCase {
  const conversation: EvalMessage[] =
    input.prompt !== undefined
      ? [{ role: 'user', content: input.prompt }]
      : (input.messages ?? []).map((message) => (message.tool_call_id === undefined ? { role: message.role, content: message.content } : { ...message }));
  const evalCase: EvalCase = {
    id: input.id,
    kind: input.kind,
    messages: input.system === undefined ? conversation : [{ role: 'system', content: input.system }, ...conversation],
    expect: input.expect ?? (input.kind === 'attack' ? 'blocked' : 'allowed'),
    category: input.category,
    language: input.language ?? defaults.language ?? 'en',
    tags: [...new Set([...defaults.tags, ...input.tags])],
    assertions: input.assert,
  };
  if (input.tools !== undefined) evalCase.tools = input.tools;
  return evalCase;
}

/** One issue per unknown key, with the key in its path, so the message points at the key's line rather than its parent's. */
function perUnknownKey(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'unrecognized_keys') return [issue];
  return issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key] }));
}

/** Top-level `x-…` keys are the author's (YAML anchors for shared system prompts, notes): not validated, not used. */
function withoutExtensions(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
}

function duplicateIds(cases: readonly SuiteCaseInput[]): PolicyIssue[] {
  const first = new Map<string, number>();
  const issues: PolicyIssue[] = [];
  cases.forEach((suiteCase, index) => {
    const seen = first.get(suiteCase.id);
    if (seen === undefined) first.set(suiteCase.id, index);
    else issues.push({ path: ['cases', index, 'id'], message: `duplicate case id "${suiteCase.id}" (first used by cases[${seen}])` });
  });
  return issues;
}

/**
 * Parses and validates a suite. Every problem is reported at once, each with its file, line,
 * column and path (`cases[3].assert[0].regex`): schema errors, duplicate case ids, unknown
 * strategies and their options, regular expressions RE2 cannot compile, invalid JSON Schemas.
 */
export function parseSuite(options: ParseSuiteOptions): Suite {
  const file = options.file ?? 'suite';
  const lineCounter = new LineCounter();
  const document = parseDocument(options.text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const messages = document.errors.map((error) => (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''));
    const lines = document.errors.map((error, index) => {
      const position = error.linePos?.[0];
      return `  ${file}${position === undefined ? '' : `:${position.line}:${position.col}`}: ${messages[index]}`;
    });
    invalid(`invalid suite ${file}: not valid YAML:\n${lines.join('\n')}`, { details: messages.map((message) => ({ message })) });
  }
  const fail = (issues: PolicyIssue[]): never => {
    const { message, details } = describeIssues({ issues, file, document, lineCounter, kind: 'suite' });
    return invalid(message, { details });
  };
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    invalid(`invalid suite ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (raw === null || raw === undefined) fail([{ path: [], message: 'the suite is empty' }]);
  const parsed = suiteSchema.safeParse(withoutExtensions(raw));
  if (!parsed.success) return fail(issuesFromZod(parsed.error.issues.flatMap(perUnknownKey)));
  const suite = parsed.data;
  const strategies = resolveStrategies({ entries: suite.strategies, available: options.strategies ?? builtinStrategies, path: ['strategies'] });
  const issues = [...duplicateIds(suite.cases), ...strategies.issues];
  if (issues.length > 0) fail(issues);
  const loaded: Suite = {
    name: suite.name,
    thresholds: suite.thresholds,
    strategies: strategies.configured,
    cases: suite.cases.map((suiteCase) => toCase(suiteCase, suite.defaults)),
  };
  if (suite.description !== undefined) loaded.description = suite.description;
  if (options.file !== undefined) loaded.file = options.file;
  return loaded;
}

/** Reads and parses a suite file (UTF-8 YAML). */
export function loadSuite(path: string, options: { strategies?: readonly Strategy[] } = {}): Suite {
  const fromHere = relative(process.cwd(), path);
  const file = isAbsolute(path) && fromHere !== '' && !fromHere.startsWith('..') ? fromHere : path;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
    return invalid(`cannot read suite ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    return invalid(`invalid suite ${file}: not UTF-8 text`, { cause: error });
  }
  return parseSuite({ text, file, ...options });
}

/** The names of the suites Palisade ships (`suites/<name>.yaml`), sorted. */
export function builtinSuiteNames(): string[] {
  return readdirSync(builtinDirectory)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/** A suite Palisade ships, by name (`prompt-injection`, `jailbreak`…). */
export function loadBuiltinSuite(name: string, options: { strategies?: readonly Strategy[] } = {}): Suite {
  const names = builtinSuiteNames();
  if (!names.includes(name)) throw new PalisadeError('invalid_argument', `unknown built-in suite "${name}" (available: ${names.join(', ')})`);
  const text = readFileSync(new URL(`${name}.yaml`, builtinDirectory), 'utf8');
  return parseSuite({ text, file: `suites/${name}.yaml`, ...options });
}

/** Where the built-in suites are, for tools that list or copy them. */
export function builtinSuiteDirectory(): string {
  return fileURLToPath(builtinDirectory);
}
