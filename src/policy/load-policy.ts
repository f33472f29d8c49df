import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { PalisadeError } from '../core/errors.js';
import type { Stage } from '../core/finding.js';
import type { DetectorRegistry } from '../detectors/detector-registry.js';
import { compileLayers } from './compile-layers.js';
import { compileToolPolicy } from './compile-tool-policy.js';
import type { ConfiguredDetector, Policy } from './policy.js';
import { describeIssues, issuesFromZod, LineCounter, type PolicyIssue } from './policy-issues.js';
import { policySchema, type PolicyDocument } from './policy-schema.js';

const defaultPolicyUrl = new URL('../../policies/default.yaml', import.meta.url);

/** Canonical JSON: object keys sorted, so the hash ignores formatting, comments and key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function configureDetectors(options: { document: PolicyDocument; registry: DetectorRegistry; issues: PolicyIssue[] }): ConfiguredDetector[] {
  const { document, registry, issues } = options;
  const configured: ConfiguredDetector[] = [];
  for (const [id, settings] of Object.entries(document.detectors)) {
    const detector = registry.get(id);
    if (detector === undefined) {
      issues.push({ path: ['detectors', id], message: `unknown detector "${id}" (available: ${[...registry.keys()].join(', ')})` });
      continue;
    }
    const unsupported = (settings.stages ?? []).filter((stage) => !detector.stages.includes(stage));
    if (unsupported.length > 0) {
      issues.push({ path: ['detectors', id, 'stages'], message: `"${id}" does not run in stage ${unsupported.join(', ')} (it supports ${detector.stages.join(', ')})` });
    }
    const parsed = detector.configSchema.safeParse(settings.config ?? {});
    if (!parsed.success) {
      issues.push(...issuesFromZod(parsed.error.issues, ['detectors', id, 'config']));
      continue;
    }
    if (!settings.enabled) continue;
    configured.push({
      detector,
      config: parsed.data,
      stages: new Set<Stage>(settings.stages ?? detector.stages),
      timeoutMs: settings.timeout_ms ?? document.defaults.timeout_ms,
      failMode: settings.on_error ?? document.defaults.on_error,
    });
  }
  return configured;
}

/** Unknown detector names, found even when the rest of the document is malformed, so one run reports both. */
function unknownDetectors(raw: unknown, registry: DetectorRegistry): PolicyIssue[] {
  const detectors = typeof raw === 'object' && raw !== null && 'detectors' in raw ? raw.detectors : undefined;
  if (typeof detectors !== 'object' || detectors === null || Array.isArray(detectors)) return [];
  return Object.keys(detectors)
    .filter((id) => !registry.has(id))
    .map((id) => ({ path: ['detectors', id], message: `unknown detector "${id}" (available: ${[...registry.keys()].join(', ')})` }));
}

export interface ParsePolicyOptions {
  text: string;
  /** Shown in error messages; defaults to `policy`. */
  file?: string;
  registry: DetectorRegistry;
}

/**
 * Parses and validates a YAML policy. Every problem is collected and reported together, each
 * with its file, line, column and path (`rules[3].min_score`) and what was expected.
 */
export function parsePolicy(options: ParsePolicyOptions): Policy {
  const file = options.file ?? 'policy';
  const lineCounter = new LineCounter();
  const document = parseDocument(options.text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const fail = (issues: PolicyIssue[]): never => {
    const { message, details } = describeIssues({ issues, file, document, lineCounter });
    throw new PalisadeError('invalid_policy', message, { details });
  };
  if (document.errors.length > 0) {
    // The parser's first line is the message; the rest is a code frame we replace with file:line:col.
    const messages = document.errors.map((error) => (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''));
    const lines = document.errors.map((error, index) => {
      const position = error.linePos?.[0];
      return `  ${file}${position === undefined ? '' : `:${position.line}:${position.col}`}: ${messages[index]}`;
    });
    throw new PalisadeError('invalid_policy', `invalid policy ${file}: not valid YAML:\n${lines.join('\n')}`, {
      details: messages.map((message) => ({ message })),
    });
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses documents whose aliases expand explosively ("billion laughs").
    throw new PalisadeError('invalid_policy', `invalid policy ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (raw === null || raw === undefined) fail([{ path: [], message: 'the policy is empty' }]);
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) return fail([...issuesFromZod(parsed.error.issues), ...unknownDetectors(raw, options.registry)]);
  const issues: PolicyIssue[] = [];
  const detectors = configureDetectors({ document: parsed.data, registry: options.registry, issues });
  const layers = compileLayers({ document: parsed.data, enabledDetectors: new Set(detectors.map((configured) => configured.detector.id)), issues });
  const tools = compileToolPolicy({ document: parsed.data, issues });
  if (issues.length > 0) fail(issues);
  const { limits } = parsed.data;
  const policy: Policy = {
    name: parsed.data.name,
    hash: createHash('sha256').update(canonicalJson(raw)).digest('hex'),
    limits: {
      maxChars: limits.max_chars,
      oversize: limits.oversize,
      windowChars: limits.window_chars,
      maxEncodedSegments: limits.max_encoded_segments,
      encodedOverflow: limits.encoded_overflow,
    },
    detectors,
    ...layers,
    tools,
  };
  if (options.file !== undefined) policy.file = options.file;
  return policy;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A policy file's text, with the name errors show it by. A file that is not UTF-8 is an error naming the file, not mojibake. */
export async function readPolicyFile(path: string): Promise<{ text: string; shown: string }> {
  const fromHere = relative(process.cwd(), path);
  const shown = isAbsolute(path) && fromHere !== '' && !fromHere.startsWith('..') ? fromHere : path;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw new PalisadeError('invalid_policy', `cannot read policy ${shown}: ${reason}`, { cause: error });
  }
  try {
    return { text: utf8.decode(bytes), shown };
  } catch (error) {
    throw new PalisadeError('invalid_policy', `invalid policy ${shown}: the file is not valid UTF-8`, { cause: error });
  }
}

/** Reads and parses a policy file. */
export async function loadPolicyFile(path: string, registry: DetectorRegistry): Promise<Policy> {
  const { text, shown } = await readPolicyFile(path);
  return parsePolicy({ text, file: shown, registry });
}

/** The policy that ships with Palisade and runs when no file is given. */
export function loadDefaultPolicy(registry: DetectorRegistry): Promise<Policy> {
  return loadPolicyFile(fileURLToPath(defaultPolicyUrl), registry);
}

export const defaultPolicyPath = fileURLToPath(defaultPolicyUrl);
