/** What an HTML tag makes a browser do with a URL attribute: fetch it on its own, or offer it as a link. */
export type TagEffect = 'loads' | 'links';

/** Elements whose URL attributes a browser fetches as soon as the HTML renders, and links. */
const tagAttributes: ReadonlyMap<string, { effect: TagEffect; attributes: readonly string[] }> = new Map([
  ['img', { effect: 'loads', attributes: ['src', 'srcset'] }],
  ['image', { effect: 'loads', attributes: ['href', 'xlink:href'] }],
  ['source', { effect: 'loads', attributes: ['src', 'srcset'] }],
  ['video', { effect: 'loads', attributes: ['src', 'poster'] }],
  ['audio', { effect: 'loads', attributes: ['src'] }],
  ['track', { effect: 'loads', attributes: ['src'] }],
  ['iframe', { effect: 'loads', attributes: ['src'] }],
  ['embed', { effect: 'loads', attributes: ['src'] }],
  ['object', { effect: 'loads', attributes: ['data'] }],
  ['input', { effect: 'loads', attributes: ['src'] }],
  ['script', { effect: 'loads', attributes: ['src'] }],
  ['link', { effect: 'loads', attributes: ['href'] }],
  ['a', { effect: 'links', attributes: ['href'] }],
  ['area', { effect: 'links', attributes: ['href'] }],
]);

/** Any element with a `background` attribute (body, table, td) fetches it. */
const backgroundAttribute = 'background';

/** Characters a tag may span; a longer candidate is not read as a tag (the browser would not get that far either, in practice). */
export const maxTagLength = 4096;

export interface HtmlTag {
  name: string;
  end: number;
  effect: TagEffect;
  /** URL attribute values, entities decoded. */
  urls: string[];
}

const namedEntities: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  colon: ':',
  sol: '/',
  period: '.',
  quest: '?',
  equals: '=',
  num: '#',
  percnt: '%',
  tab: '\t',
  newline: '\n',
  nbsp: '\u00a0',
};

/** Character references, decoded as a browser decodes them in attributes and as Markdown decodes them in link destinations. */
export function decodeCharacterReferences(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#[xX]([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|([A-Za-z]{2,8}));?/g, (whole, hex?: string, decimal?: string, name?: string) => {
    if (hex !== undefined || decimal !== undefined) {
      const codePoint = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(decimal as string, 10);
      return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
    }
    return namedEntities[(name as string).toLowerCase()] ?? whole;
  });
}

function isTagNameCode(code: number): boolean {
  return (code >= 48 && code <= 58) || code === 45 || ((code | 0x20) >= 97 && (code | 0x20) <= 122);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 12 || code === 13;
}

/** The URLs of a `srcset`: each candidate is a URL, then an optional width or density. */
function srcsetUrls(value: string): string[] {
  return value
    .split(',')
    .map((candidate) => candidate.trim().split(/\s+/)[0] ?? '')
    .filter((url) => url !== '');
}

/**
 * Reads the tag starting at `start` (a `<` followed by a letter) when it is one that loads or
 * links a URL. Attribute values are read as a browser tokenises them (quoted values may hold
 * `>`), entities decoded. Reading stops at `budget` characters, and at a `<` outside quotes
 * (which starts another tag), so a run of broken tags is read once, not once per `<`.
 */
export function readHtmlTag(text: string, start: number, budget: number): HtmlTag | undefined {
  const limit = Math.min(text.length, start + Math.min(budget, maxTagLength));
  let index = start + 1;
  while (index < limit && isTagNameCode(text.charCodeAt(index))) index++;
  const name = text.slice(start + 1, index).toLowerCase();
  const known = tagAttributes.get(name);
  const urls: string[] = [];
  let loadsBackground = false;
  while (index < limit) {
    let code = text.charCodeAt(index);
    if (isSpace(code) || code === 47) {
      index++;
      continue;
    }
    if (code === 62) {
      if (known === undefined && !loadsBackground) return undefined;
      return { name, end: index + 1, effect: known?.effect ?? 'loads', urls };
    }
    if (code === 60) return undefined;
    const nameStart = index;
    while (index < limit && !isSpace((code = text.charCodeAt(index))) && code !== 61 && code !== 62 && code !== 47 && code !== 60) index++;
    // Only URL attributes are read; the rest are stepped over without copying.
    const attribute = index - nameStart <= 10 ? text.slice(nameStart, index).toLowerCase() : '';
    const wanted = attribute === backgroundAttribute || (known?.attributes.includes(attribute) ?? false);
    while (index < limit && isSpace(text.charCodeAt(index))) index++;
    if (text.charCodeAt(index) !== 61) continue;
    index++;
    while (index < limit && isSpace(text.charCodeAt(index))) index++;
    // Inside a JSON string the quotes are escaped (`src=\"…\"`): read them as quotes.
    if (text.charCodeAt(index) === 92 && (text.charCodeAt(index + 1) === 34 || text.charCodeAt(index + 1) === 39)) index++;
    const quote = text.charCodeAt(index);
    let value: string;
    if (quote === 34 || quote === 39) {
      let close = index + 1;
      while (close < limit && text.charCodeAt(close) !== quote) close++;
      if (close >= limit) return undefined;
      value = wanted ? text.slice(index + 1, text.charCodeAt(close - 1) === 92 ? close - 1 : close) : '';
      index = close + 1;
    } else {
      const valueStart = index;
      while (index < limit && !isSpace((code = text.charCodeAt(index))) && code !== 62 && code !== 60) index++;
      value = wanted ? text.slice(valueStart, index) : '';
    }
    if (!wanted) continue;
    const decoded = decodeCharacterReferences(value);
    if (attribute === backgroundAttribute) {
      loadsBackground = true;
      urls.push(decoded);
    } else if (known?.attributes.includes(attribute)) {
      if (attribute === 'srcset') urls.push(...srcsetUrls(decoded));
      else urls.push(decoded);
    }
  }
  return undefined;
}
