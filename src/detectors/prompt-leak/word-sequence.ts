/** Scripts written without spaces between words: there, each character counts as a word. */
const unspacedCharacter = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const wordCharacter = /[\p{L}\p{N}\p{M}]/u;

/** The words of a text as ids, with where each sits in the text. Punctuation and spacing are not words. */
export interface WordSequence {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

const separator = 0;
const wordPart = 1;
/** A character that is a word by itself. */
const wholeWord = 2;

/** ASCII letters and digits are word characters; the rest of ASCII separates words. */
const asciiKind = new Uint8Array(128);
for (let code = 48; code <= 57; code++) asciiKind[code] = wordPart;
for (let code = 65; code <= 90; code++) asciiKind[code] = asciiKind[code + 32] = wordPart;

function characterKind(character: string): number {
  if (unspacedCharacter.test(character)) return wholeWord;
  return wordCharacter.test(character) ? wordPart : separator;
}

/**
 * Splits a (folded) text into words and numbers them with `vocabulary`. With `grow`, unknown
 * words get new ids; without it they get -1, which matches nothing, so a text is compared
 * with a source without adding its own words to the source's vocabulary.
 */
export function wordSequence(text: string, options: { vocabulary: Map<string, number>; grow: boolean }): WordSequence {
  const { vocabulary, grow } = options;
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const add = (start: number, end: number): void => {
    const word = text.slice(start, end);
    let id = vocabulary.get(word);
    if (id === undefined && grow) vocabulary.set(word, (id = vocabulary.size));
    ids.push(id ?? -1);
    starts.push(start);
    ends.push(end);
  };
  let index = 0;
  let wordStart = -1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    let width = 1;
    let kind: number;
    if (code < 0x80) kind = asciiKind[code] as number;
    else {
      const codePoint = text.codePointAt(index) as number;
      if (codePoint > 0xffff) width = 2;
      kind = characterKind(text.slice(index, index + width));
    }
    if (kind === wordPart) {
      if (wordStart < 0) wordStart = index;
    } else {
      if (wordStart >= 0) add(wordStart, index);
      wordStart = -1;
      if (kind === wholeWord) add(index, index + width);
    }
    index += width;
  }
  if (wordStart >= 0) add(wordStart, text.length);
  return { ids: Int32Array.from(ids), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}
