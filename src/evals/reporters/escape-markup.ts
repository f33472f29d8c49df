/**
 * Escaping for the markup reporters write. Case ids, categories, reasons and grader details come
 * from suites and from target answers, so they are attacker-shaped text (`<script>`, `]]>`, control
 * characters) and go through one of these functions on their way into a report.
 */

/** XML 1.0's `Char` production: tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF. */
function isXmlCharacter(codePoint: number): boolean {
  if (codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd) return true;
  if (codePoint < 0x20) return false;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return false;
  return codePoint !== 0xfffe && codePoint !== 0xffff;
}

/**
 * Characters no XML 1.0 document may contain (not even as `&#1;`) are written as visible
 * `\uXXXX` text, so a report keeps them readable instead of failing to parse. Lone surrogates
 * count among them: iterating by code point keeps valid pairs whole.
 */
export function replaceIllegalCharacters(text: string): string {
  let out = '';
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    out += isXmlCharacter(codePoint) ? character : `\\u${codePoint.toString(16).padStart(4, '0')}`;
  }
  return out;
}

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const attributeEntities: Record<string, string> = { ...textEntities, '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;' };

/** Text content of an XML element. `>` is escaped too, so `]]>` cannot appear; CR as a reference, which line-end normalisation keeps. */
export function escapeXmlText(text: string): string {
  return replaceIllegalCharacters(text).replace(/[&<>\r]/g, (character) => textEntities[character] ?? character);
}

/** An XML attribute value (either quote); tabs and line breaks as references so attribute normalisation keeps them. */
export function escapeXmlAttribute(text: string): string {
  return replaceIllegalCharacters(text).replace(/[&<>"'\t\n\r]/g, (character) => attributeEntities[character] ?? character);
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML text or a quoted attribute value. Control characters are made visible as in XML (they are parse errors in HTML). */
export function escapeHtml(text: string): string {
  return replaceIllegalCharacters(text).replace(/[&<>"']/g, (character) => htmlEntities[character] ?? character);
}
