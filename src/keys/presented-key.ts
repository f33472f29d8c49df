import { PalisadeError } from '../core/errors.js';

/** Request headers as Node gives them (lowercase names) or a Fetch `Headers`. */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>> | { get(name: string): string | null };

/**
 * The API key a request presents, from `Authorization: Bearer <key>` (OpenAI clients) or
 * `x-api-key: <key>` (Anthropic clients); `undefined` when there is none. Two different keys, or
 * an `Authorization` header of another scheme with no `x-api-key`, are refused rather than
 * guessed at. Messages never quote header values.
 */
export function presentedKey(headers: HeaderSource): string | undefined {
  const authorization = single(headerValue(headers, 'authorization'), 'Authorization');
  const apiKey = single(headerValue(headers, 'x-api-key'), 'x-api-key');
  const bearer = authorization === undefined ? undefined : bearerToken(authorization);
  if (bearer === null) {
    if (apiKey !== undefined) return apiKey;
    throw new PalisadeError('unauthenticated', 'the Authorization header must use the Bearer scheme: "Authorization: Bearer <key>"');
  }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    throw new PalisadeError('unauthenticated', 'the Authorization and x-api-key headers hold different keys: send one');
  }
  return bearer ?? apiKey;
}

function headerValue(headers: HeaderSource, name: string): string | readonly string[] | undefined {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  return record[name];
}

/** One trimmed value, `undefined` for an absent or blank header; repeated different values are refused. */
function single(value: string | readonly string[] | undefined, name: string): string | undefined {
  const values = (typeof value === 'string' ? [value] : (value ?? [])).map((item) => item.trim()).filter((item) => item !== '');
  const distinct = new Set(values);
  if (distinct.size > 1) throw new PalisadeError('unauthenticated', `the ${name} header is repeated with different values: send it once`);
  return values[0];
}

/** The token of a Bearer credential, `undefined` for an empty one, `null` for another scheme. */
function bearerToken(authorization: string): string | undefined | null {
  // Parsed by hand: a regular expression with a space run before `.*` backtracks quadratically
  // on a long header of spaces.
  const scheme = authorization.slice(0, 6);
  const rest = authorization.slice(6);
  if (scheme.toLowerCase() !== 'bearer' || (rest !== '' && !/^\s/.test(rest))) return null;
  const token = rest.trim();
  return token === '' ? undefined : token;
}
