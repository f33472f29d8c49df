/** Scripts Palisade tells apart, each with a test for one code point. */
const scripts: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Bengali', /\p{Script=Bengali}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Han', /\p{Script=Han}/u],
  ['Kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hangul', /\p{Script=Hangul}/u],
];

const letter = /\p{L}/u;

/**
 * The script most of a text's letters are written in (sampling its first 2,000 characters), or
 * undefined when no script holds a majority. Japanese mixes Kana and Han; Kana wins when present
 * in quantity, so Japanese reads as Kana rather than Han.
 */
export function dominantScript(text: string): string | undefined {
  const counts = new Map<string, number>();
  let letters = 0;
  for (const char of text.slice(0, 2000)) {
    if (char.charCodeAt(0) < 0x80) {
      if ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z')) {
        letters++;
        counts.set('Latin', (counts.get('Latin') ?? 0) + 1);
      }
      continue;
    }
    if (!letter.test(char)) continue;
    letters++;
    const name = scripts.find(([, pattern]) => pattern.test(char))?.[0] ?? 'Other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  if (letters === 0) return undefined;
  const kana = counts.get('Kana') ?? 0;
  if (kana > letters * 0.2) return 'Kana';
  const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return count > letters / 2 ? best : undefined;
}
