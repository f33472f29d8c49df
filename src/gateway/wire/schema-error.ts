import { z as zod, type z } from 'zod';
import { PalisadeError } from '../../core/errors.js';
import { formatPath } from '../../core/format-path.js';

type Issue = z.core.$ZodIssue;

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const expectedNames: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * A union fails as a whole; when the value matched one branch's outer type and failed inside it,
 * that branch's inner issue names the field precisely (`content[0].type`, not `content`).
 */
function innermost(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const deeper = issue.errors.flat().filter((inner) => inner.path.length > 0);
  const first = deeper[0];
  if (first === undefined) return issue;
  return innermost({ ...first, path: [...issue.path, ...first.path] });
}

/**
 * Words for one issue, in OpenAI's manner ("Invalid type for 'max_tokens': expected an integer,
 * but got a string instead."). Never quotes the value: it may be the caller's content.
 */
function describeIssue(options: { issue: Issue; body: unknown; noun: 'parameter' | 'field' }): { path: string; message: string } {
  const { issue, body, noun } = options;
  const path = formatPath(issue.path);
  const value = valueAt(body, issue.path);
  const name = path === '' ? 'the body' : `'${path}'`;
  if (value === undefined && issue.code !== 'custom') return { path, message: `Missing required ${noun}: ${name}.` };
  switch (issue.code) {
    case 'invalid_type': {
      // Schemas word their own expectation when zod's is too coarse (`z.int()` reports "number").
      const expected = issue.message.startsWith('expected ') ? issue.message.slice('expected '.length) : (expectedNames[issue.expected] ?? issue.expected);
      return { path, message: `Invalid type for ${name}: expected ${expected}, but got ${describeType(value)} instead.` };
    }
    case 'too_small':
      return { path, message: `Invalid value for ${name}: ${issue.origin === 'array' ? 'expected at least' : 'must be at least'} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}.` };
    case 'invalid_value':
      return { path, message: `Invalid value for ${name}: expected one of ${issue.values.map((option) => String(option)).join(', ')}.` };
    default:
      return { path, message: `Invalid value for ${name}: ${issue.message}.` };
  }
}

/** `z.int()` that says "integer" when the value is not a number at all. */
export function integer(): z.ZodInt {
  return zod.int({ error: 'expected an integer' });
}

/** A client's request that failed its schema: `invalid_request`, the detail's `path` naming the parameter. */
export function requestSchemaError(error: z.ZodError, body: unknown): PalisadeError {
  const first = error.issues[0];
  if (first === undefined) return new PalisadeError('invalid_request', 'The request body is invalid.');
  const { path, message } = describeIssue({ issue: innermost(first), body, noun: 'parameter' });
  return new PalisadeError('invalid_request', message, { details: [path === '' ? { message } : { path, message }] });
}

/**
 * An upstream body that failed its schema: `upstream_error`. The message names the field, never
 * its value (upstream text is unchecked model output).
 */
export function upstreamSchemaError(error: z.ZodError, body: unknown, what: string): PalisadeError {
  const first = error.issues[0];
  const described = first === undefined ? undefined : describeIssue({ issue: innermost(first), body, noun: 'field' });
  const message = `The upstream provider returned ${what} that Palisade could not read${described === undefined ? '' : ` (${described.message})`}`;
  return new PalisadeError('upstream_error', message, { details: described?.path ? [{ path: described.path, message: described.message }] : [] });
}

/**
 * A type name from a body (`"input_audio"`), quoted only when it looks like one: these strings are
 * the caller's or the upstream's, and an error message must not carry their content.
 */
export function quoteType(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(value) ? `"${value}"` : 'this kind of';
}

/** One place for requests that are well-formed but cannot be served as asked (e.g. cannot be translated). */
export function invalidRequest(message: string, path?: string): PalisadeError {
  return new PalisadeError('invalid_request', message, { details: [path === undefined ? { message } : { path, message }] });
}
