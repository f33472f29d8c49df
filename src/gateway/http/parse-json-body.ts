import { isUtf8 } from 'node:buffer';
import { PalisadeError } from '../../core/errors.js';

const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;
const quote = 0x22;
const backslash = 0x5c;

/** The deepest nesting of objects and arrays, counted in one pass over the bytes (strings skipped). */
function nestingDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    if (inString) {
      if (byte === backslash) index++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) inString = true;
    else if (byte === openBrace || byte === openBracket) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (byte === closeBrace || byte === closeBracket) depth--;
  }
  return deepest;
}

/**
 * A request body as JSON, refusing what would be lost or dangerous later: bytes that are not
 * UTF-8 (decoding would silently replace them), nesting deeper than `maxDepth` (recursive code
 * downstream), and anything that is not JSON. Each refusal is an `invalid_json` error saying why.
 */
export function parseJsonBody(body: Buffer, options: { maxDepth: number }): unknown {
  if (body.length === 0) throw new PalisadeError('invalid_json', 'the request body is empty; send a JSON object');
  if (!isUtf8(body)) throw new PalisadeError('invalid_json', 'the request body is not valid UTF-8');
  const depth = nestingDepth(body, options.maxDepth);
  if (depth > options.maxDepth) throw new PalisadeError('invalid_json', `the request body is nested more than ${options.maxDepth} levels deep`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    // V8's message names the position, never more than a few characters of the body.
    const reason = error instanceof SyntaxError ? error.message.replace(/"[^"]{40,}"/g, '"…"').slice(0, 200) : 'unreadable';
    throw new PalisadeError('invalid_json', `the request body is not valid JSON: ${reason}`);
  }
}
