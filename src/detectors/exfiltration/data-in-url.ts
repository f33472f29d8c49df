import { isUtf8 } from 'node:buffer';
import type { VerbatimIndex } from '../verbatim-index.js';
import { shannonEntropy } from '../entropy.js';
import { plainLetters } from './conversation-index.js';
import { maxParameters, safeDecode } from './destination.js';

/** Where in a URL data was found. */
export type UrlPart = 'query' | 'fragment' | 'path' | 'userinfo' | 'host';

/** Why a URL looks like it carries data, each with the score it gives on its own. */
export const dataSignalScores = {
  /** A stretch of the conversation's own words (needs the request context). */
  conversation: 0.9,
  /** A base64 or hex blob. */
  encoded: 0.7,
  /** A long random-looking value that is not plain base64 or hex. */
  high_entropy: 0.6,
  /** A sentence: several words with spaces between them. */
  prose: 0.6,
} as const;
export type DataSignal = keyof typeof dataSignalScores;

export interface DataInUrl {
  score: number;
  signals: DataSignal[];
  parts: UrlPart[];
  /** Longest stretch of the conversation found, in letters and digits; 0 when none. */
  conversationChars: number;
  /** Host labels, counted from the left, that carry data: they are left out of the logged host. */
  hostLabels: number;
}

/** Characters of one value examined; a longer value is judged on its beginning. */
const maxValueChars = 4096;
/** Path segments and host labels must be longer than query values to count: commit hashes and document ids live there. */
const minLengths: Readonly<Record<UrlPart, number>> = { query: 24, fragment: 24, userinfo: 24, path: 80, host: 24 };
const base64Body = /^[A-Za-z0-9+/_-]+$/;
const hexBody = /^[0-9A-Fa-f]+$/;
const ipv4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

interface Value {
  part: UrlPart;
  text: string;
  /** For host labels, the label's position from the left. */
  label?: number;
  /** A query parameter's name rather than its value. */
  key?: boolean;
}

function collectValues(url: URL): Value[] {
  const values: Value[] = [];
  let parameters = 0;
  for (const [key, value] of url.searchParams) {
    if (parameters++ >= maxParameters) break;
    if (key !== '') values.push({ part: 'query', text: key, key: true });
    if (value !== '') values.push({ part: 'query', text: value });
  }
  if (url.hash.length > 1) {
    const fragment = url.hash.slice(1);
    values.push({ part: 'fragment', text: safeDecode(fragment) });
    for (const piece of fragment.split(/[&=;]/, maxParameters)) if (piece !== '' && piece.length !== fragment.length) values.push({ part: 'fragment', text: safeDecode(piece) });
  }
  for (const segment of url.pathname.split('/', maxParameters)) if (segment !== '') values.push({ part: 'path', text: safeDecode(segment) });
  if (url.username !== '') values.push({ part: 'userinfo', text: safeDecode(url.username) });
  if (url.password !== '') values.push({ part: 'userinfo', text: safeDecode(url.password) });
  const host = url.hostname;
  if (!ipv4.test(host) && !host.startsWith('[')) {
    const labels = host.split('.');
    labels.slice(0, -2).forEach((label, index) => values.push({ part: 'host', text: label, label: index }));
  }
  return values;
}

/** Without trailing `=` padding (a loop: `/=+$/` would rescan runs of `=` from every position). */
function withoutPadding(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  return end === text.length ? text : text.slice(0, end);
}

function hasDigit(text: string): boolean {
  return /\d/.test(text);
}

/** `base64` or `hex` when the whole value is such a blob, long enough and mixed enough to be data rather than a word. */
function encodedKind(text: string, part: UrlPart): 'base64' | 'hex' | undefined {
  const minimum = minLengths[part];
  const body = withoutPadding(text);
  if (body.length >= Math.max(minimum, 32) && hexBody.test(body) && hasDigit(body) && /[A-Fa-f]/.test(body)) return 'hex';
  if (body.length < minimum || !base64Body.test(body)) return undefined;
  // Host names are lower case: there, a long unbroken run mixing letters and digits is the sign (base32, lower-cased base64).
  if (part === 'host') return /^[a-z0-9]+$/.test(body) && hasDigit(body) && /[a-z]/.test(body) && shannonEntropy(body) >= 3.5 ? 'base64' : undefined;
  return /[a-z]/.test(body) && /[A-Z]/.test(body) && hasDigit(body) ? 'base64' : undefined;
}

function isProse(text: string): boolean {
  if (text.length < 40) return false;
  const tokens = text.trim().split(/\s+/);
  return tokens.length >= 6 && tokens.filter((token) => /\p{L}{2}/u.test(token)).length >= 5;
}

/** A blob's bytes as text, when they are text: what a conversation check should read. */
function decodeBlob(text: string, kind: 'base64' | 'hex'): string | undefined {
  const bytes = Buffer.from(kind === 'hex' ? text : withoutPadding(text), kind === 'hex' ? 'hex' : 'base64');
  return bytes.length > 0 && isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/** Longest stretch (letters and digits) of `text` that the conversation holds. */
function conversationOverlap(text: string, conversation: VerbatimIndex): number {
  const skeleton = plainLetters(text);
  let longest = 0;
  for (const run of conversation.findRuns(skeleton.codes)) longest = Math.max(longest, run.end - run.start);
  return longest;
}

/**
 * Whether a URL carries data out, judged from the URL alone (blobs, random values, sentences in
 * the query, fragment, user info, long path segments, long host labels) and, when the
 * conversation is known, from its words appearing in the query, fragment, user info, host or
 * a decoded blob. Explainable: each reason is a named signal with a fixed score; the URL scores
 * its strongest signal.
 */
export function findDataInUrl(url: URL, options: { conversation: () => VerbatimIndex | undefined }): DataInUrl | undefined {
  const signals = new Set<DataSignal>();
  const parts = new Set<UrlPart>();
  let hostLabels = 0;
  const mark = (value: Value): void => {
    parts.add(value.part);
    if (value.label !== undefined) hostLabels = Math.max(hostLabels, value.label + 1);
  };
  // What the conversation check reads: values as written and blobs decoded (not path segments
  // as written: slugs repeat the words people ask about), and the query's values together, for
  // data split across parameters.
  const probes: Value[] = [];
  const values = collectValues(url);
  for (const value of values) {
    const text = value.text.length > maxValueChars ? value.text.slice(0, maxValueChars) : value.text;
    const found: DataSignal[] = [];
    const kind = encodedKind(text, value.part);
    if (kind !== undefined) {
      found.push('encoded');
      const decoded = decodeBlob(text, kind);
      if (decoded !== undefined) probes.push({ ...value, text: decoded });
    } else if (text.length >= Math.max(32, minLengths[value.part]) && !/\s/.test(text) && shannonEntropy(text) >= 4.3) found.push('high_entropy');
    if (value.part !== 'host' && isProse(text)) found.push('prose');
    if (value.part !== 'path') probes.push({ ...value, text });
    if (found.length === 0) continue;
    for (const signal of found) signals.add(signal);
    mark(value);
  }
  const query = values.filter((value) => value.part === 'query' && value.key !== true);
  if (query.length > 1) probes.push({ part: 'query', text: query.map((value) => value.text.slice(0, maxValueChars)).join(' ').slice(0, maxValueChars * 4) });
  let conversationChars = 0;
  const conversation = probes.length > 0 ? options.conversation() : undefined;
  if (conversation !== undefined) {
    for (const probe of probes) {
      const overlap = conversationOverlap(probe.text, conversation);
      if (overlap === 0) continue;
      conversationChars = Math.max(conversationChars, overlap);
      signals.add('conversation');
      mark(probe);
    }
  }
  if (signals.size === 0) return undefined;
  const ordered = [...signals].sort((a, b) => dataSignalScores[b] - dataSignalScores[a]);
  return { score: dataSignalScores[ordered[0] as DataSignal], signals: ordered, parts: [...parts], conversationChars, hostLabels };
}
