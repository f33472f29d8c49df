import { LineCounter, type Document } from 'yaml';
import type { z } from 'zod';
import type { ErrorDetail } from '../core/errors.js';
import { formatPath } from '../core/format-path.js';

/** A problem found in a policy, before it is rendered with a file name and position. */
export interface PolicyIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** Zod issues as policy (or config) issues; a failed union reports its first alternative's own problem. */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): PolicyIssue[] {
  const converted: PolicyIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      converted.push(...issuesFromZod(issue.errors[0] ?? [], path));
      continue;
    }
    const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` : issue.message;
    converted.push({ path, message });
  }
  return converted;
}

function pathOf(path: readonly PropertyKey[]): string {
  return formatPath(path) || '(document)';
}

/** Renders issues as `file:line:column: path: message`, using the YAML source to find each position. */
export function describeIssues(options: {
  issues: readonly PolicyIssue[];
  file: string;
  document?: Document;
  lineCounter?: LineCounter;
  /** What the file is, for the message: `policy` (default) or `config`. */
  kind?: string;
}): { message: string; details: ErrorDetail[] } {
  const details: ErrorDetail[] = options.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
  const lines = options.issues.map((issue, index) => {
    const position = locate(issue.path, options.document, options.lineCounter);
    const where = position === undefined ? options.file : `${options.file}:${position.line}:${position.col}`;
    return `  ${where}: ${details[index]?.path}: ${issue.message}`;
  });
  const count = options.issues.length;
  return { message: `invalid ${options.kind ?? 'policy'} ${options.file} (${count} problem${count === 1 ? '' : 's'}):\n${lines.join('\n')}`, details };
}

/** The line and column of the deepest node on `path` that exists in the document. */
function locate(path: readonly PropertyKey[], document: Document | undefined, lineCounter: LineCounter | undefined): { line: number; col: number } | undefined {
  if (document === undefined || lineCounter === undefined) return undefined;
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth).filter((key): key is string | number => typeof key !== 'symbol');
    const node: unknown = depth === 0 ? document.contents : document.getIn(keys, true);
    if (typeof node === 'object' && node !== null && 'range' in node && Array.isArray(node.range)) {
      const offset: unknown = node.range[0];
      if (typeof offset === 'number') return lineCounter.linePos(offset);
    }
  }
  return undefined;
}

export { LineCounter };
