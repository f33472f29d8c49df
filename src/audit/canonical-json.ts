import { PalisadeError } from '../core/errors.js';

const maxDepth = 64;

/**
 * The one serialisation audit hashes are computed over, so that the same value always gives the
 * same bytes, whoever wrote it and whatever order its keys were built in:
 * - object keys sorted by UTF-16 code units (JavaScript's default sort), no whitespace;
 * - properties whose value is `undefined` are left out (as `JSON.stringify` does);
 * - strings and numbers as `JSON.stringify` writes them (ECMAScript fixes both exactly);
 * - anything JSON cannot carry faithfully is refused rather than silently changed: `undefined`
 *   inside arrays, `NaN` and infinities, bigints, functions, symbols, and objects that are not
 *   plain (a `Date` must be turned into its ISO string first).
 * Parsing canonical JSON and serialising it again gives the same text, which is what lets an
 * export carry events as objects and still be verified.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0);
}

function write(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(path, 'is not a finite number');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw refuse(path, `is a ${typeof value}`);
  }
  if (depth >= maxDepth) throw refuse(path, `is nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, index) => {
      if (item === undefined) throw refuse(`${path}[${index}]`, 'is undefined');
      return write(item, `${path}[${index}]`, depth + 1);
    });
    return `[${items.join(',')}]`;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw refuse(path, 'is not a plain object');
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${write(member, `${path}.${key}`, depth + 1)}`);
  }
  return `{${members.join(',')}}`;
}

function refuse(path: string, problem: string): PalisadeError {
  return new PalisadeError('invalid_argument', `audit data cannot be hashed: ${path} ${problem}`);
}
