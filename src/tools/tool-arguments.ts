import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/canonical-json.js';
import { PalisadeError } from '../core/errors.js';

/**
 * The sha256 (64 lowercase hex) of a tool call's arguments, as bound into a tool token and kept
 * with an approval request, so that the call can be matched without carrying the arguments.
 *
 * `args` is either the parsed value or the JSON text the model emitted. A string is always read
 * as JSON text and parsed first, so whitespace, key order and number spelling (`1.0` and `1`)
 * do not change the hash; to bind a bare string value, pass `JSON.stringify(value)`. The hash is
 * over `canonicalJson` of the value (the audit log's serialisation).
 *
 * Throws `invalid_argument` when the text is not JSON or the value is not plain JSON data. The
 * message never quotes the arguments.
 */
export function hashToolArguments(args: unknown): string {
  let value = args;
  if (typeof args === 'string') {
    try {
      value = JSON.parse(args) as unknown;
    } catch {
      throw new PalisadeError('invalid_argument', 'tool arguments are not valid JSON text');
    }
  }
  let canonical: string;
  try {
    canonical = canonicalJson(value);
  } catch (error) {
    // canonicalJson names the path and the problem (never the value); say it is about tool arguments.
    const problem = error instanceof Error ? error.message.replace(/^audit data cannot be hashed: /, '') : 'unreadable';
    throw new PalisadeError('invalid_argument', `tool arguments cannot be hashed: ${problem}`, { cause: error });
  }
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
