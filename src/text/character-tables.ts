/**
 * Characters that change what a text says to a model without changing what a human sees:
 * invisible formatting, bidirectional controls, look-alike letters and leetspeak digits.
 */

/** Zero-width, bidi-control and other invisible code points that carry no visible text. */
export function isInvisible(codePoint: number): boolean {
  if (codePoint < 0x00ad) return false;
  return (
    codePoint === 0x00ad || // soft hyphen
    codePoint === 0x034f || // combining grapheme joiner
    codePoint === 0x061c || // Arabic letter mark
    codePoint === 0x115f ||
    codePoint === 0x1160 || // Hangul fillers
    codePoint === 0x17b4 ||
    codePoint === 0x17b5 ||
    (codePoint >= 0x180b && codePoint <= 0x180f) || // Mongolian selectors, vowel separator
    (codePoint >= 0x200b && codePoint <= 0x200f) || // zero-width space/joiners, LRM, RLM
    (codePoint >= 0x202a && codePoint <= 0x202e) || // bidi embeddings and overrides
    (codePoint >= 0x2060 && codePoint <= 0x206f) || // word joiner, invisible operators, bidi isolates
    codePoint === 0x3164 ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) || // variation selectors
    codePoint === 0xfeff ||
    codePoint === 0xffa0 ||
    (codePoint >= 0x1d173 && codePoint <= 0x1d17a) ||
    (codePoint >= 0xe0100 && codePoint <= 0xe01ef) // variation selectors supplement
  );
}

/**
 * Unicode "tag" characters mirror ASCII and render as nothing; they are used to smuggle
 * instructions past humans. Returns the ASCII code they stand for, or -1.
 */
export function tagCharacterAscii(codePoint: number): number {
  if (codePoint >= 0xe0020 && codePoint <= 0xe007e) return codePoint - 0xe0000;
  if (codePoint === 0xe0001 || codePoint === 0xe007f) return 0; // language tag / cancel tag: drop
  return -1;
}

/** Look-alike letters from other scripts, folded to the Latin lower-case letter they imitate. */
export const confusables: ReadonlyMap<number, number> = new Map(
  (
    [
      // Cyrillic
      ['А', 'a'], ['а', 'a'], ['В', 'b'], ['в', 'b'], ['С', 'c'], ['с', 'c'], ['Е', 'e'], ['е', 'e'],
      ['Н', 'h'], ['н', 'h'], ['һ', 'h'], ['І', 'i'], ['і', 'i'], ['Ї', 'i'], ['ї', 'i'], ['Ј', 'j'],
      ['ј', 'j'], ['К', 'k'], ['к', 'k'], ['Ӏ', 'l'], ['ӏ', 'l'], ['М', 'm'], ['м', 'm'], ['О', 'o'],
      ['о', 'o'], ['Р', 'p'], ['р', 'p'], ['Ԛ', 'q'], ['ԛ', 'q'], ['Ѕ', 's'], ['ѕ', 's'], ['Т', 't'],
      ['т', 't'], ['Х', 'x'], ['х', 'x'], ['У', 'y'], ['у', 'y'], ['Ү', 'y'], ['ү', 'y'], ['Ԝ', 'w'],
      ['ԝ', 'w'], ['ԁ', 'd'], ['Ԍ', 'g'], ['ɡ', 'g'],
      // Greek
      ['Α', 'a'], ['α', 'a'], ['Β', 'b'], ['β', 'b'], ['Ε', 'e'], ['ε', 'e'], ['Ζ', 'z'], ['Η', 'h'],
      ['Ι', 'i'], ['ι', 'i'], ['Κ', 'k'], ['κ', 'k'], ['Μ', 'm'], ['Ν', 'n'], ['ν', 'v'], ['Ο', 'o'],
      ['ο', 'o'], ['Ρ', 'p'], ['ρ', 'p'], ['Τ', 't'], ['τ', 't'], ['Υ', 'y'], ['υ', 'u'], ['Χ', 'x'],
      ['χ', 'x'], ['γ', 'y'],
      // Armenian and Latin extensions
      ['օ', 'o'], ['ս', 'u'], ['հ', 'h'], ['ı', 'i'], ['ȷ', 'j'], ['ʟ', 'l'], ['ɪ', 'i'], ['ᴀ', 'a'],
      ['ʙ', 'b'], ['ᴄ', 'c'], ['ᴅ', 'd'], ['ᴇ', 'e'], ['ɢ', 'g'], ['ʜ', 'h'], ['ᴊ', 'j'], ['ᴋ', 'k'],
      ['ᴍ', 'm'], ['ɴ', 'n'], ['ᴏ', 'o'], ['ᴘ', 'p'], ['ʀ', 'r'], ['ꜱ', 's'], ['ᴛ', 't'], ['ᴜ', 'u'],
      ['ᴠ', 'v'], ['ᴡ', 'w'], ['ʏ', 'y'], ['ᴢ', 'z'],
    ] as const
  ).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]),
);

/** Leetspeak digits, always folded inside a word that also has letters ("1gn0r3" → "ignore"). */
export const leetDigits: ReadonlyMap<number, number> = new Map(
  (
    [
      ['0', 'o'], ['1', 'i'], ['3', 'e'], ['4', 'a'], ['5', 's'], ['7', 't'], ['8', 'b'], ['9', 'g'],
    ] as const
  ).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]),
);

/** Leetspeak symbols, folded only between two letters so punctuation and e-mail addresses survive. */
export const leetSymbols: ReadonlyMap<number, number> = new Map(
  ([['@', 'a'], ['$', 's'], ['!', 'i'], ['|', 'l']] as const).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]),
);

export function isAsciiLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
}

export function isAsciiDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isWhitespace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/** Latin (and Greek) letters whose accents are dropped in the folded view; other scripts keep their marks. */
export function hasFoldableAccents(codePoint: number): boolean {
  return (codePoint >= 0xc0 && codePoint <= 0x24f) || (codePoint >= 0x1e00 && codePoint <= 0x1eff) || (codePoint >= 0x386 && codePoint <= 0x3ce);
}

export function isCombiningDiacritic(code: number): boolean {
  return code >= 0x300 && code <= 0x36f;
}
