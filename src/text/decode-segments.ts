import { isUtf8 } from 'node:buffer';
import { commonEnglishWords } from './common-english-words.js';

export const encodings = ['base64', 'hex', 'url', 'unicode_escape', 'html_entity', 'rot13'] as const;
export type Encoding = (typeof encodings)[number];

/** A stretch of text that decodes to readable text. Offsets are into the text that was searched. */
export interface EncodedSegment {
  encoding: Encoding;
  start: number;
  end: number;
  decoded: string;
}


// Anchored at the start of a run: without the lookbehind every position inside a long word is retried.
const base64Candidate = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const hexCandidate = /(?:\\x[0-9A-Fa-f]{2}){4,}|(?:0x[0-9A-Fa-f]{2}[\s,]*){4,}|(?:[0-9A-Fa-f]{2}[ :]){4,}[0-9A-Fa-f]{2}|\b(?:[0-9A-Fa-f]{2}){8,}\b/g;
const urlCandidate = /(?<!\S)(?:[^\s%]*%[0-9A-Fa-f]{2}){3,}[^\s%]*/g;
const unicodeEscapeCandidate = /(?:\\u[0-9A-Fa-f]{4}|\\u\{[0-9A-Fa-f]{1,6}\}){3,}/g;
const htmlEntityCandidate = /(?:&#(?:[xX][0-9A-Fa-f]{1,6}|[0-9]{1,7});){3,}/g;
const sentenceBreak = /[^.!?;:\n"'`()[\]{}<>]+/g;
const asciiWord = /[A-Za-z]+/g;

/** Readable text: almost no control characters or replacement marks, and mostly letters and spaces. */
function looksLikeText(decoded: string): boolean {
  if (decoded.length < 4) return false;
  let bad = 0;
  let letters = 0;
  for (let index = 0; index < decoded.length; index++) {
    const code = decoded.charCodeAt(index);
    if ((code < 0x20 && code !== 9 && code !== 10 && code !== 13) || code === 0x7f || code === 0xfffd) bad++;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 32 || code >= 0xc0) letters++;
  }
  return bad <= decoded.length * 0.03 && letters >= decoded.length * 0.6;
}

/** Bytes as text when they are valid UTF-8 (checked without throwing: most candidates are binary). */
function decodeBytes(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

function decodeBase64(candidate: string): string | null {
  const body = candidate.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  // Plain long words are candidates too; real payloads mix cases with digits or symbols.
  if (!/[0-9+/_-]/.test(body) && !/[A-Z]/.test(body.slice(1))) return null;
  return decodeBytes(Buffer.from(body, 'base64'));
}

function decodeHex(candidate: string): string | null {
  const digits = candidate.replace(/\\x|0x|[\s,:]/g, '');
  if (digits.length % 2 !== 0) return null;
  return decodeBytes(Buffer.from(digits, 'hex'));
}

function decodeUrl(candidate: string): string | null {
  try {
    return decodeURIComponent(candidate.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function fromCodePoints({ candidate, pattern, read }: { candidate: string; pattern: RegExp; read: (groups: string[]) => number }): string | null {
  try {
    return candidate.replace(pattern, (...groups: string[]) => String.fromCodePoint(read(groups)));
  } catch {
    return null; // out-of-range code point
  }
}

function decodeUnicodeEscapes(candidate: string): string | null {
  return fromCodePoints({ candidate, pattern: /\\u(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{4}))/g, read: (groups) => Number.parseInt(groups[1] ?? groups[2] ?? '', 16) });
}

function decodeHtmlEntities(candidate: string): string | null {
  return fromCodePoints({
    candidate,
    pattern: /&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));/g,
    read: (groups) => (groups[1] === undefined ? Number.parseInt(groups[2] ?? '', 10) : Number.parseInt(groups[1], 16)),
  });
}

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 102);
}

/** How many `%XX` escapes the text holds (counting stops at three: enough to look further). */
function percentEscapes(text: string): number {
  let count = 0;
  for (let at = text.indexOf('%'); at !== -1 && count < 3; at = text.indexOf('%', at + 1)) {
    if (isHexCode(text.charCodeAt(at + 1)) && isHexCode(text.charCodeAt(at + 2))) count++;
  }
  return count;
}

function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (letter) => {
    const code = letter.charCodeAt(0);
    const base = code <= 90 ? 65 : 97;
    return String.fromCharCode(((code - base + 13) % 26) + base);
  });
}

function commonWordCount(words: readonly string[], transform: (word: string) => string): number {
  let count = 0;
  for (const word of words) if (commonEnglishWords.has(transform(word.toLowerCase()))) count++;
  return count;
}

/**
 * English's most frequent letters (e t o i s h) become r g b v f u under rot13. A sentence
 * where the second group outnumbers the first is worth a closer look; counting needs no
 * allocation, so ordinary sentences cost one pass over their characters.
 */
function looksRotated(text: string, start: number, end: number): boolean {
  let plain = 0;
  let rotated = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index) | 0x20;
    if (code === 101 || code === 116 || code === 111 || code === 105 || code === 115 || code === 104) plain++;
    else if (code === 114 || code === 103 || code === 98 || code === 118 || code === 102 || code === 117) rotated++;
  }
  return rotated > plain;
}

/**
 * Stretches of rot13: a sentence with few common English words whose rot13 has many. Only
 * sentences whose letter frequencies look rotated get the word-level check.
 */
function findRot13(text: string, found: EncodedSegment[], limit: number): void {
  for (const sentence of text.matchAll(sentenceBreak)) {
    if (found.length > limit) return;
    if (!looksRotated(text, sentence.index, sentence.index + sentence[0].length)) continue;
    const words = sentence[0].match(asciiWord);
    if (words === null || words.length < 3) continue;
    if (commonWordCount(words, (word) => word) >= words.length * 0.2) continue;
    const encodedHits = commonWordCount(words, rot13);
    if (encodedHits < 3 || encodedHits < words.length * 0.3) continue;
    const offset = sentence.index;
    const leading = sentence[0].length - sentence[0].trimStart().length;
    const body = sentence[0].trim();
    found.push({ encoding: 'rot13', start: offset + leading, end: offset + leading + body.length, decoded: rot13(body) });
  }
}

function findWith(options: {
  text: string;
  pattern: RegExp;
  encoding: Encoding;
  decode: (candidate: string) => string | null;
  found: EncodedSegment[];
  limit: number;
}): void {
  const { text, pattern, encoding, decode, found, limit } = options;
  for (const match of text.matchAll(pattern)) {
    if (found.length > limit) return;
    const decoded = decode(match[0]);
    if (decoded !== null && decoded !== match[0] && looksLikeText(decoded)) {
      found.push({ encoding, start: match.index, end: match.index + match[0].length, decoded });
    }
  }
}

/**
 * Finds embedded base64, hex, URL-encoded, escaped and rot13 payloads that decode to readable
 * text, so an encoded attack can be scanned in its plain form. Binary-looking decodes (hashes,
 * ids, card numbers read as hex) are rejected. At most `limit` payloads are returned;
 * `overflowed` says there were more, so the caller can treat the rest as unscanned.
 */
export function findEncodedSegments(text: string, limit: number): { segments: EncodedSegment[]; overflowed: boolean } {
  const found: EncodedSegment[] = [];
  if (text.length < 12) return { segments: found, overflowed: false };
  findWith({ text, pattern: hexCandidate, encoding: 'hex', decode: decodeHex, found, limit });
  findWith({ text, pattern: base64Candidate, encoding: 'base64', decode: decodeBase64, found, limit });
  if (percentEscapes(text) >= 3) findWith({ text, pattern: urlCandidate, encoding: 'url', decode: decodeUrl, found, limit });
  if (text.includes('\\u')) {
    findWith({
      text,
      pattern: unicodeEscapeCandidate,
      encoding: 'unicode_escape',
      decode: decodeUnicodeEscapes,
      found,
      limit,
    });
  }
  if (text.includes('&#')) {
    findWith({
      text,
      pattern: htmlEntityCandidate,
      encoding: 'html_entity',
      decode: decodeHtmlEntities,
      found,
      limit,
    });
  }
  findRot13(text, found, limit);
  return found.length > limit ? { segments: found.slice(0, limit), overflowed: true } : { segments: found, overflowed: false };
}
