import { isInvisible, tagCharacterAscii } from './character-tables.js';
import { TextView, TextViewBuilder } from './text-view.js';

/** Hyphens, dashes and minus signs that look like "-". */
function isDash(codePoint: number): boolean {
  return (codePoint >= 0x2010 && codePoint <= 0x2015) || codePoint === 0x2212 || codePoint === 0xfe58 || codePoint === 0xfe63 || codePoint === 0xff0d;
}

function isPlainAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x7f || (code < 0x20 && code !== 9 && code !== 10 && code !== 13)) return false;
  }
  return true;
}

/**
 * The "clean" view: what a careful human reads. Unicode NFKC (fullwidth, ligatures, math
 * alphanumerics → plain letters), invisible and bidi-control characters removed, C0 controls
 * removed, Unicode tag characters (ASCII smuggling) turned back into the ASCII they hide, and
 * Unicode dashes written as "-" (so "219‑45‑6789" with non-breaking hyphens is still an SSN).
 * Case, accents and spacing are kept, so PII and secrets can be matched exactly.
 */
export function cleanText(original: string): TextView {
  if (isPlainAscii(original)) return TextView.identity(original);
  const builder = new TextViewBuilder(original.length + 16);
  let index = 0;
  while (index < original.length) {
    const code = original.charCodeAt(index);
    if (code < 0x80) {
      if (code >= 0x20 ? code !== 0x7f : code === 9 || code === 10 || code === 13) builder.push(code, index, index + 1);
      index++;
      continue;
    }
    const codePoint = original.codePointAt(index) as number;
    const end = index + (codePoint > 0xffff ? 2 : 1);
    const tag = tagCharacterAscii(codePoint);
    if (tag > 0) builder.push(tag, index, end);
    else if (isDash(codePoint)) builder.push(45, index, end);
    else if (tag < 0 && !isInvisible(codePoint)) {
      const normalized = String.fromCodePoint(codePoint).normalize('NFKC');
      for (let unit = 0; unit < normalized.length; unit++) builder.push(normalized.charCodeAt(unit), index, end);
    }
    index = end;
  }
  return builder.build(original.length);
}
