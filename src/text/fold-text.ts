import {
  confusables,
  hasFoldableAccents,
  isAsciiDigit,
  isCombiningDiacritic,
  isWhitespace,
  leetDigits,
  leetSymbols,
} from './character-tables.js';
import { TextViewBuilder, type TextView } from './text-view.js';

const space = 32;

function isLatinLower(code: number): boolean {
  return code >= 97 && code <= 122;
}

function isWordCode(code: number): boolean {
  return isLatinLower(code) || isAsciiDigit(code) || leetSymbols.has(code) || (code >= 0x80 && !isWhitespace(code));
}

/** Separators an attacker puts between letters to break up a word: "i.g.n.o.r.e", "i g n o r e". */
function isLetterSeparator(code: number): boolean {
  return code === space || code === 46 || code === 45 || code === 95 || code === 42 || code === 47 || code === 124;
}

/** What the first pass saw, so the later passes run only on text that needs them. */
interface FoldHints {
  lookalikes: boolean;
  /** A digit or leet symbol touching a letter. */
  leet: boolean;
}

/** ASCII codes that are digits or leet symbols, as a table: this runs once per character. */
const leetAscii = new Uint8Array(128);
for (let code = 48; code <= 57; code++) leetAscii[code] = 1;
for (const code of leetSymbols.keys()) leetAscii[code] = 1;

function isLeetCode(code: number): boolean {
  return code < 128 && leetAscii[code] === 1;
}

/** Lower-case, accent-free, whitespace-collapsed copy of the clean view. */
function lowerAndCollapse(clean: TextView, hints: FoldHints): TextViewBuilder {
  const text = clean.text;
  const builder = new TextViewBuilder(text.length + 16);
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    const start = clean.originalStart(index);
    if (isWhitespace(code)) {
      const last = builder.length - 1;
      // A run of whitespace becomes one space whose original range covers the whole run, so a
      // wide gap can later be told from a single separating space.
      if (last >= 0 && builder.code(last) === space) builder.extendLastEnd(clean.originalEnd(index));
      else if (last >= 0) builder.push(space, start, clean.originalEnd(index));
      index++;
      continue;
    }
    if (code < 0x80) {
      const lower = code >= 65 && code <= 90 ? code + 32 : code;
      if (!hints.leet && builder.length > 0) {
        const previous = builder.code(builder.length - 1);
        if ((isLatinLower(lower) && isLeetCode(previous)) || (isLeetCode(lower) && isLatinLower(previous))) hints.leet = true;
      }
      builder.push(lower, start, clean.originalEnd(index));
      index++;
      continue;
    }
    const codePoint = text.codePointAt(index) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    const end = clean.originalEnd(index + width - 1);
    if (confusables.has(codePoint)) {
      hints.lookalikes = true;
      builder.push(codePoint, start, end); // folded per word below, where the script mix is known
    } else {
      let folded = String.fromCodePoint(codePoint).toLowerCase();
      if (hasFoldableAccents(codePoint)) folded = folded.normalize('NFD');
      for (let unit = 0; unit < folded.length; unit++) {
        const foldedCode = folded.charCodeAt(unit);
        if (!isCombiningDiacritic(foldedCode)) builder.push(foldedCode, start, end);
      }
    }
    index += width;
  }
  if (builder.length > 0 && builder.code(builder.length - 1) === space) builder.pop();
  return builder;
}

interface Word {
  start: number;
  end: number;
  latin: number;
  lookalikes: number;
  otherLetters: number;
  leet: number;
}

function collectWords(builder: TextViewBuilder): Word[] {
  const words: Word[] = [];
  const length = builder.length;
  let at = 0;
  while (at < length) {
    if (!isWordCode(builder.code(at))) {
      at++;
      continue;
    }
    const word: Word = { start: at, end: at, latin: 0, lookalikes: 0, otherLetters: 0, leet: 0 };
    while (at < length) {
      const code = builder.code(at);
      if (!isWordCode(code)) break;
      if (isLatinLower(code)) word.latin++;
      else if (confusables.has(code)) word.lookalikes++;
      else if (leetDigits.has(code) || leetSymbols.has(code)) word.leet++;
      else if (code >= 0x80) word.otherLetters++;
      at++;
    }
    word.end = at;
    words.push(word);
  }
  return words;
}

function isLatinWord(word: Word | undefined): boolean {
  return word !== undefined && word.latin > 0 && word.otherLetters === 0;
}

/** True when the word ends at a dot: an '@' in it starts an e-mail domain ("name@host.tld"), which must stay as it is. */
function endsAtDot(builder: TextViewBuilder, word: Word): boolean {
  return word.end < builder.length && builder.code(word.end) === 46;
}

/**
 * A word is leetspeak when a digit in it has a letter after it ("1gn0r3", "4ll", "h4x0r").
 * Digits only at the end ("base64", "rot13", "mp3", "gpt4") are names, not disguises.
 */
function hasDisguisingDigit(builder: TextViewBuilder, word: Word): boolean {
  let digitSeen = false;
  for (let at = word.start; at < word.end; at++) {
    const code = builder.code(at);
    if (leetDigits.has(code)) digitSeen = true;
    else if (digitSeen && isLatinLower(code)) return true;
  }
  return false;
}

/**
 * Folds look-alike letters and leetspeak inside each word, only where that is safe: look-alikes
 * in words that mix them with Latin letters, or in words made of look-alikes alone that stand
 * next to a Latin word (so ordinary Cyrillic or Greek text is left alone); leet digits only in
 * words where a digit precedes a letter (numbers and names like "base64" stay); leet symbols
 * only between two letters.
 */
function foldWords(builder: TextViewBuilder): void {
  const words = collectWords(builder);
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as Word;
    const mixed = word.lookalikes > 0 && word.otherLetters === 0 && word.latin > 0;
    const disguised =
      word.lookalikes > 0 && word.latin === 0 && word.otherLetters === 0 && (isLatinWord(words[index - 1]) || isLatinWord(words[index + 1]));
    let latin = word.latin;
    if (mixed || disguised) {
      for (let at = word.start; at < word.end; at++) {
        const folded = confusables.get(builder.code(at));
        if (folded !== undefined) {
          builder.setCode(at, folded);
          latin++;
        }
      }
    }
    if (word.leet === 0 || latin === 0) continue;
    if (hasDisguisingDigit(builder, word)) {
      for (let at = word.start; at < word.end; at++) {
        const digit = leetDigits.get(builder.code(at));
        if (digit !== undefined) builder.setCode(at, digit);
      }
    }
    // A run of leet symbols ("p@$$word") folds when letters stand on both sides of it.
    let at = word.start + 1;
    while (at < word.end - 1) {
      if (!leetSymbols.has(builder.code(at))) {
        at++;
        continue;
      }
      let end = at;
      while (end < word.end && leetSymbols.has(builder.code(end))) end++;
      const flanked = isLatinLower(builder.code(at - 1)) && end < word.end && isLatinLower(builder.code(end));
      if (flanked && !(builder.code(at) === 64 && endsAtDot(builder, word))) {
        for (let symbol = at; symbol < end; symbol++) builder.setCode(symbol, leetSymbols.get(builder.code(symbol)) as number);
      }
      at = end;
    }
  }
}

/** Joins three or more single letters split by single separators ("i g n o r e" → "ignore"). */
function joinSpacedLetters(builder: TextViewBuilder): void {
  const length = builder.length;
  let drop: Uint8Array | null = null;
  const isSingleSeparator = (at: number): boolean => {
    const code = builder.code(at);
    if (!isLetterSeparator(code)) return false;
    // A collapsed run of whitespace (a wide gap) separates words, not letters.
    return code !== space || builder.spanWidth(at) <= 1;
  };
  let at = 0;
  while (at < length) {
    const startsWord = at === 0 || !isWordCode(builder.code(at - 1));
    if (!(isLatinLower(builder.code(at)) && startsWord)) {
      at++;
      continue;
    }
    let last = at;
    let letters = 1;
    while (
      last + 2 < length &&
      isSingleSeparator(last + 1) &&
      isLatinLower(builder.code(last + 2)) &&
      (last + 3 >= length || !isWordCode(builder.code(last + 3)))
    ) {
      last += 2;
      letters++;
    }
    if (letters >= 3) {
      drop ??= new Uint8Array(length);
      for (let separator = at + 1; separator < last; separator += 2) drop[separator] = 1;
    }
    at = last + 1;
  }
  if (drop !== null) {
    const dropped = drop;
    builder.compact((index) => dropped[index] === 0);
  }
}

/**
 * The "folded" view used for matching attack language: clean view, lower-cased, accents
 * dropped, whitespace collapsed, look-alikes and leetspeak folded, spaced-out letters joined.
 */
export function foldText(clean: TextView, originalLength: number): TextView {
  const hints: FoldHints = { lookalikes: false, leet: false };
  const builder = lowerAndCollapse(clean, hints);
  if (hints.lookalikes || hints.leet) foldWords(builder);
  if (spacedLetters.test(builder.text())) joinSpacedLetters(builder);
  return builder.build(originalLength);
}

/** Three single letters in a row, split by single separators: the only text joinSpacedLetters changes. */
const spacedLetters = /(?<![a-z0-9@$!|\u0080-\uffff])[a-z][ ._*/|-][a-z][ ._*/|-][a-z](?![a-z0-9@$!|\u0080-\uffff])/;
