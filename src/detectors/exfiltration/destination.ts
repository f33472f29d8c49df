import { comparableHost } from './allowed-domains.js';

/** Where a URL in the text leads, as a browser resolves it. */
export interface Destination {
  /** The network host: lower case, IDN in punycode, percent-escapes decoded, no trailing dot; '' when there is none. */
  readonly host: string;
  /** The parsed URL (parsed on first use); undefined for a relative reference (it stays on the page's own site) or text no browser would fetch. */
  url(): URL | undefined;
  /** Characters after the host: a URL with few of them has no room for data. */
  readonly rest: number;
}

const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const protocolRelative = /^[\\/]{2}/;
/**
 * The common case, read without the URL parser: http(s), an ASCII host of plain labels whose
 * last starts with a letter (a numeric one is an IPv4 form the parser rewrites), within DNS
 * lengths, an optional port, then the end or a path, query or fragment. Anything else (user
 * info, escapes, backslashes, IDN, IP addresses) goes through the WHATWG parser.
 */
const simpleUrl = /^https?:\/\/((?:[A-Za-z0-9-]{1,63}\.){0,126}[A-Za-z][A-Za-z0-9-]{0,62})\.?(?::\d{1,5})?(?=[/?#]|$)/;
const nowhere: Destination = { host: '', url: () => undefined, rest: 0 };

function isTrimmed(code: number): boolean {
  return code <= 32;
}

function parsed(absolute: string): URL | undefined {
  try {
    return new URL(absolute);
  } catch {
    return undefined;
  }
}

/**
 * Resolves a destination the way a browser does: tabs and line breaks inside it are dropped,
 * control characters and spaces at its ends trimmed, `//host` takes the page's scheme, and
 * the WHATWG URL parser does the rest (backslashes as slashes, user info before `@`,
 * percent-escapes and IDN in the host, numeric IPv4 forms).
 */
export function resolveDestination(raw: string): Destination {
  let start = 0;
  let end = raw.length;
  while (start < end && isTrimmed(raw.charCodeAt(start))) start++;
  while (end > start && isTrimmed(raw.charCodeAt(end - 1))) end--;
  let text = raw.slice(start, end);
  if (/[\t\n\r]/.test(text)) text = text.replace(/[\t\n\r]/g, '');
  const simple = simpleUrl.exec(text);
  if (simple !== null) {
    let url: URL | undefined | null = null;
    return { host: comparableHost((simple[1] as string).toLowerCase()), url: () => (url === null ? (url = parsed(text)) : url), rest: text.length - simple[0].length };
  }
  let absolute: string;
  if (scheme.test(text)) absolute = text;
  else if (protocolRelative.test(text)) absolute = `https:${text}`;
  else return nowhere;
  const url = parsed(absolute);
  if (url === undefined) return nowhere;
  const host = comparableHost(url.hostname);
  // Not the common shape: no shortcut, every part is examined.
  return { host, url: () => url, rest: absolute.length };
}

/** How many query parameters are read per URL, for nested URLs and for data. */
export const maxParameters = 64;

/** Something in a query or fragment that may start another URL (a scheme is at most 32 characters: linear). */
const nestedStart = /[A-Za-z][A-Za-z0-9+.-]{0,31}:|\/\/|%2f%2f|www\./i;

/**
 * URLs carried in the query or fragment (`/redirect?to=https://…`, an image proxy's `?url=`):
 * an allowed site that forwards the request sends the data on to the nested host.
 */
export function nestedDestinations(raw: string, destination: Destination): Destination[] {
  const query = raw.search(/[?#]/);
  if (query === -1 || !nestedStart.test(raw.slice(query))) return [];
  const url = destination.url();
  if (url === undefined) return [];
  const nested: Destination[] = [];
  let read = 0;
  const consider = (value: string): void => {
    if (!/^(?:[A-Za-z][A-Za-z0-9+.-]*:|[\\/]{2}|www\.)/.test(value)) return;
    const inner = resolveDestination(/^www\./i.test(value) ? `https://${value}` : value);
    if (inner.host !== '') nested.push(inner);
  };
  for (const [, value] of url.searchParams) {
    if (read++ >= maxParameters) break;
    consider(value);
  }
  if (url.hash.length > 1) for (const piece of url.hash.slice(1).split('&', maxParameters)) consider(safeDecode(piece.slice(piece.indexOf('=') + 1)));
  return nested;
}

/** Percent-decodes, leaving text with broken escapes as it is. */
export function safeDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
