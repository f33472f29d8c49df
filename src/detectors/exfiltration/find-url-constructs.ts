import { decodeCharacterReferences, maxTagLength, readHtmlTag } from './html-tags.js';
import { findCodeRegions, findReferenceDefinitions, normalizeLabel, regionAt, type Range, type ReferenceDefinition } from './markdown-blocks.js';

/** `image`: fetched as soon as the text renders (Markdown images, `<img>` and other loading tags); `link`: fetched when clicked. */
export type ConstructKind = 'image' | 'link';
export type ConstructForm = 'inline' | 'reference' | 'html' | 'autolink' | 'bare';

/** A URL in a text and the Markdown or HTML construct around it. */
export interface UrlConstruct {
  kind: ConstructKind;
  form: ConstructForm;
  /** The whole construct (`![alt](url "title")`, `<img …>`): what a rewrite replaces. */
  range: Range;
  /** For reference-style constructs, the definition line holding the URL: rewritten too. */
  definition?: Range;
  /** Destinations as a renderer reads them: escapes and character references decoded. */
  urls: string[];
  /** A Markdown link's visible text, to notice text that names another address. */
  text?: string;
  /** The HTML element, for `html` constructs. */
  tag?: string;
}

/** Brackets nested deeper than this are not matched (no renderer goes that deep). */
const maxBracketDepth = 256;
/** Characters of a reference label (CommonMark's limit). */
const maxLabelLength = 999;
/** Characters a link title is looked for in (past it, the construct ends with its destination). */
const maxTitleLength = 256;

// Spaces and `<` end an autolink; control characters cannot occur (\s and the clean view remove them).
const autolink = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
const asciiPunctuationEscape = /\\([!-/:-@[-`{-~])/g;

function isSpaceOrControl(code: number): boolean {
  return code <= 32 || code === 127;
}

/** `<`, `>` and line breaks end a `<…>` destination. */
function isAngleDestinationEnd(code: number): boolean {
  return code === 60 || code === 62 || code === 10;
}

/** Decodes a Markdown destination: backslash escapes, then character references. */
function decodeDestination(raw: string): string {
  return decodeCharacterReferences(raw.includes('\\') ? raw.replace(asciiPunctuationEscape, '$1') : raw);
}

/** `[` → its `]`, as offset + 1 (0 when unmatched), within a paragraph, outside code, skipping escapes; one pass with a stack. */
function matchBrackets(text: string, code: readonly Range[]): Int32Array {
  const partner = new Int32Array(text.length);
  const stack: number[] = [];
  const cursor = { next: 0 };
  for (let index = 0; index < text.length; index++) {
    const character = text.charCodeAt(index);
    if (character !== 91 && character !== 93 && character !== 92 && character !== 10) continue;
    const region = regionAt(code, index, cursor);
    if (region !== undefined) {
      index = region.end - 1;
      continue;
    }
    if (character === 92) index++;
    else if (character === 91) {
      if (stack.length < maxBracketDepth) stack.push(index);
    } else if (character === 93) {
      const open = stack.pop();
      if (open !== undefined) partner[open] = index + 1;
    } else {
      // A blank line ends the paragraph: brackets do not pair across it.
      let next = index + 1;
      while (next < text.length && (text.charCodeAt(next) === 32 || text.charCodeAt(next) === 9)) next++;
      if (next >= text.length || text.charCodeAt(next) === 10) stack.length = 0;
    }
  }
  return partner;
}

/** For inline destinations: each `(`'s matching `)` within a whitespace-free run (offset + 1; 0 when none), and the next whitespace from any point. */
interface ParenIndex {
  close: Int32Array;
  nextSpace: Int32Array;
}

function indexParens(text: string): ParenIndex {
  const close = new Int32Array(text.length);
  const nextSpace = new Int32Array(text.length + 1);
  // The open parentheses of the current run, as a stack over `nextSpace` (filled afterwards).
  const stack = nextSpace;
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 92) index++;
    else if (code === 40) stack[depth++] = index;
    else if (code === 41) {
      if (depth > 0) close[stack[--depth] as number] = index + 1;
    } else if (isSpaceOrControl(code)) depth = 0;
  }
  nextSpace[text.length] = text.length;
  for (let index = text.length - 1; index >= 0; index--) nextSpace[index] = isSpaceOrControl(text.charCodeAt(index)) ? index : (nextSpace[index + 1] as number);
  return { close, nextSpace };
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

const bareUrlStart = /https?:(?:\\?\/){2}|www\./iy;

/** Where a construct may start, from `from` on: `![`, `[`, `<` before a letter, or a bare URL's `http(s)://` or `www.` at a word start. -1 when none. */
function nextCandidate(text: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 91) return index;
    if (code === 33) {
      if (text.charCodeAt(index + 1) === 91) return index;
    } else if (code === 60) {
      const next = text.charCodeAt(index + 1) | 0x20;
      if (next >= 97 && next <= 122) return index;
    } else if ((code | 0x20) === 104 || (code | 0x20) === 119) {
      if (index > 0 && isAsciiAlphanumeric(text.charCodeAt(index - 1))) continue;
      bareUrlStart.lastIndex = index;
      if (bareUrlStart.test(text)) return index;
    }
  }
  return -1;
}

/** Skips spaces and tabs, and at most one line break among them. */
function skipSpaces(text: string, from: number): number {
  let index = from;
  let newlines = 0;
  for (;;) {
    const code = text.charCodeAt(index);
    if (code === 32 || code === 9) index++;
    else if (code === 10 && newlines === 0) {
      newlines++;
      index++;
    } else return index;
  }
}

/**
 * `(destination "title")` starting at the `(`: the destination and where the construct ends;
 * undefined when there is no destination. When what follows the destination is not a proper
 * ending (an unclosed or overlong title, no `)`), the construct is taken to end with its
 * destination: a renderer may still show it, and removing that much stops it either way.
 */
function readInlineDestination(text: string, open: number, parens: ParenIndex): { url: string; end: number } | undefined {
  let index = skipSpaces(text, open + 1);
  let raw: string;
  if (text.charCodeAt(index) === 60) {
    let close = index + 1;
    while (close < text.length && !isAngleDestinationEnd(text.charCodeAt(close))) close++;
    if (text.charCodeAt(close) !== 62) return undefined;
    raw = text.slice(index + 1, close);
    index = close + 1;
  } else {
    const close = (parens.close[open] as number) - 1;
    const space = parens.nextSpace[index] as number;
    if (close !== -1 && close < space) return { url: decodeDestination(text.slice(index, close)), end: close + 1 };
    raw = text.slice(index, space);
    index = space;
  }
  const url = decodeDestination(raw);
  const destinationEnd = index;
  index = skipSpaces(text, index);
  const quote = text.charCodeAt(index);
  if (quote === 34 || quote === 39 || quote === 40) {
    const closing = quote === 40 ? 41 : quote;
    const limit = Math.min(text.length, index + maxTitleLength);
    let close = index + 1;
    while (close < limit && text.charCodeAt(close) !== closing) close += text.charCodeAt(close) === 92 ? 2 : 1;
    if (close >= limit) return { url, end: destinationEnd };
    index = skipSpaces(text, close + 1);
  }
  return text.charCodeAt(index) === 41 ? { url, end: index + 1 } : { url, end: destinationEnd };
}

/** Where a bare URL ends, as GitHub-flavoured Markdown autolinks it: trailing punctuation and unbalanced closers are not part of it. */
function bareUrlEnd(text: string, start: number): number {
  let end = start;
  let opens = 0;
  let closes = 0;
  let openBrackets = 0;
  let closeBrackets = 0;
  for (; end < text.length; end++) {
    const code = text.charCodeAt(end);
    // Quotes and backticks end it too: the URL was quoted (JSON, code, prose).
    if (isSpaceOrControl(code) || code === 60 || code === 34 || code === 96) break;
    if (code === 40) opens++;
    else if (code === 41) closes++;
    else if (code === 91) openBrackets++;
    else if (code === 93) closeBrackets++;
  }
  for (;;) {
    const last = text[end - 1] as string;
    if ('?!.,:*_~\'"'.includes(last)) end--;
    else if (last === ')' && closes > opens) {
      closes--;
      end--;
    } else if (last === ']' && closeBrackets > openBrackets) {
      closeBrackets--;
      end--;
    } else if (last === ';') {
      const entity = /&[A-Za-z0-9]+;$/.exec(text.slice(Math.max(start, end - 34), end));
      if (entity === null) break;
      end -= entity[0].length;
    } else break;
    if (end <= start) break;
  }
  return end;
}

/**
 * Every URL a renderer would fetch or link in a Markdown or HTML text: inline and
 * reference-style images and links, HTML tags that load or link a URL, autolinks and bare URLs.
 * One left-to-right pass after linear pre-passes (code regions, reference definitions, bracket
 * and parenthesis matching); no backtracking patterns. A link's text is read again for the
 * images inside it (badges: `[![ci](badge.svg)](ci-page)`). With `skipCode`, code spans and
 * fenced blocks are left out: renderers show them as text.
 */
export function findUrlConstructs(text: string, options: { skipCode: boolean }): UrlConstruct[] {
  const constructs: UrlConstruct[] = [];
  let at = nextCandidate(text, 0);
  if (at === -1) return constructs;
  const code = options.skipCode ? findCodeRegions(text) : [];
  const { definitions, brackets: definitionBrackets } = findReferenceDefinitions(text, code);
  const usedDefinitions = new Set<ReferenceDefinition>();
  let brackets: Int32Array | undefined;
  let parens: ParenIndex | undefined;
  const codeCursor = { next: 0 };
  // Destinations of links whose text is being read: skipped once reached. Innermost (earliest) on top.
  const skips: Range[] = [];
  let tagBudget = text.length * 4 + 65_536;

  /** A link or image whose text starts at bracket `open`; `start` is where the construct starts (the `!` of an image). */
  const readBracketed = (start: number, open: number, kind: 'image' | 'link'): UrlConstruct | undefined => {
    brackets ??= matchBrackets(text, code);
    const close = (brackets[open] as number) - 1;
    if (close === -1 || definitionBrackets.has(open)) return undefined;
    let after = close + 1;
    while (after < close + 4 && (text.charCodeAt(after) === 32 || text.charCodeAt(after) === 9)) after++;
    if (text.charCodeAt(after) === 40) {
      parens ??= indexParens(text);
      const destination = readInlineDestination(text, after, parens);
      if (destination !== undefined) return { kind, form: 'inline', range: { start, end: destination.end }, urls: [destination.url], text: text.slice(open + 1, close) };
    }
    if (definitions.size === 0) return undefined;
    let reference = text.slice(open + 1, close);
    let end = close + 1;
    const labelClose = text.charCodeAt(close + 1) === 91 ? (brackets[close + 1] as number) - 1 : -1;
    if (labelClose !== -1) {
      const explicit = text.slice(close + 2, labelClose);
      if (explicit.trim() !== '') reference = explicit;
      end = labelClose + 1;
    }
    if (reference.length > maxLabelLength) return undefined;
    const definition = definitions.get(normalizeLabel(reference));
    if (definition === undefined) return undefined;
    usedDefinitions.add(definition);
    return { kind, form: 'reference', range: { start, end }, definition: definition.range, urls: [decodeDestination(definition.destination)], text: text.slice(open + 1, close) };
  };

  /** Reads the construct at `at`; returns where to look next. */
  const readAt = (): number => {
    const first = text.charCodeAt(at);
    if (first === 33) {
      const image = readBracketed(at, at + 1, 'image');
      if (image === undefined) return at + 2;
      constructs.push(image);
      return image.range.end;
    }
    if (first === 91) {
      const link = readBracketed(at, at, 'link');
      // Read the link's text too, for images in it; its destination is skipped when reached.
      if (link !== undefined) {
        constructs.push(link);
        skips.push({ start: ((brackets as Int32Array)[at] as number) - 1, end: link.range.end });
      }
      return at + 1;
    }
    if (first === 60) {
      autolink.lastIndex = at;
      const auto = autolink.exec(text);
      if (auto !== null) {
        constructs.push({ kind: 'link', form: 'autolink', range: { start: at, end: at + auto[0].length }, urls: [auto[1] as string] });
        return at + auto[0].length;
      }
      // Past the budget (only a text built to be slow gets there), each tag is read for at most 256 characters.
      const budget = tagBudget > maxTagLength ? maxTagLength : 256;
      tagBudget -= Math.min(budget, text.length - at);
      const tag = readHtmlTag(text, at, budget);
      if (tag === undefined || tag.urls.length === 0) return at + 1;
      constructs.push({ kind: tag.effect === 'loads' ? 'image' : 'link', form: 'html', range: { start: at, end: tag.end }, urls: tag.urls, tag: tag.name });
      return tag.end;
    }
    const end = bareUrlEnd(text, at);
    const raw = text.slice(at, end);
    if (/^www\.[^.]/i.test(raw) || /^https?:(?:\\?\/){2}./i.test(raw)) {
      constructs.push({ kind: 'link', form: 'bare', range: { start: at, end }, urls: [/^www\./i.test(raw) ? `http://${raw}` : raw] });
    }
    return Math.max(end, at + 1);
  };

  while (at !== -1) {
    let next: number;
    const region = regionAt(code, at, codeCursor);
    while (skips.length > 0 && (skips[skips.length - 1] as Range).end <= at) skips.pop();
    const skip = skips[skips.length - 1];
    if (region !== undefined) next = region.end;
    else if (skip !== undefined && skip.start <= at) {
      next = skip.end;
      skips.pop();
    } else next = readAt();
    at = nextCandidate(text, next);
  }
  if (usedDefinitions.size === 0) return constructs;
  // A URL on a definition line that a reference used is reported with that reference.
  const used = [...usedDefinitions].map((definition) => definition.range).sort((a, b) => a.start - b.start);
  return constructs.filter((construct) => (construct.form !== 'bare' && construct.form !== 'autolink') || !withinAny(used, construct.range));
}

/** Whether `range` lies inside one of the sorted, disjoint `ranges` (binary search). */
function withinAny(ranges: readonly Range[], range: Range): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = ranges[middle] as Range;
    if (candidate.end <= range.start) low = middle + 1;
    else if (candidate.start > range.start) high = middle - 1;
    else return range.end <= candidate.end;
  }
  return false;
}
