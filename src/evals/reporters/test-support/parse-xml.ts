/**
 * A small, strict XML 1.0 parser for tests: it accepts the subset the reporters write (prolog,
 * elements, attributes, text, comments, CDATA, the five predefined entities and character
 * references) and throws on anything not well-formed, including characters XML 1.0 forbids.
 * It is written without regular expressions so it does not share the reporters' blind spots.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded (children's text not included). */
  text: string;
}

const predefined: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlCharacter(codePoint: number): boolean {
  if (codePoint === 0x9 || codePoint === 0xa || codePoint === 0xd) return true;
  if (codePoint < 0x20 || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return false;
  return codePoint !== 0xfffe && codePoint !== 0xffff && codePoint <= 0x10ffff;
}

function isNameCharacter(character: string, first: boolean): boolean {
  const code = character.codePointAt(0) ?? 0;
  const letter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || character === '_' || character === ':' || code >= 0xc0;
  if (first) return letter;
  return letter || (code >= 0x30 && code <= 0x39) || character === '-' || character === '.';
}

function isSpace(character: string | undefined): boolean {
  return character === ' ' || character === '\t' || character === '\n' || character === '\r';
}

export function parseXml(source: string): XmlElement {
  for (const character of source) {
    if (!isXmlCharacter(character.codePointAt(0) ?? 0)) throw new Error(`illegal character U+${(character.codePointAt(0) ?? 0).toString(16)}`);
  }
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${at}: ${JSON.stringify(source.slice(at, at + 30))}`);
  };
  const skipSpace = (): void => {
    while (isSpace(source[at])) at += 1;
  };
  const expect = (literal: string): void => {
    if (!source.startsWith(literal, at)) fail(`expected ${JSON.stringify(literal)}`);
    at += literal.length;
  };
  const skipUntil = (end: string): string => {
    const stop = source.indexOf(end, at);
    if (stop < 0) fail(`unterminated, expected ${end}`);
    const skipped = source.slice(at, stop);
    at = stop + end.length;
    return skipped;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', at)) {
        at += 4;
        if (skipUntil('-->').includes('--')) fail('"--" inside a comment');
      } else return;
    }
  };
  const name = (): string => {
    const start = at;
    if (at >= source.length || !isNameCharacter(source[at] ?? '', true)) fail('expected a name');
    at += 1;
    while (at < source.length && isNameCharacter(source[at] ?? '', false)) at += 1;
    return source.slice(start, at);
  };
  const reference = (): string => {
    expect('&');
    const body = skipUntil(';');
    if (body.startsWith('#')) {
      const hex = body.startsWith('#x');
      const digits = body.slice(hex ? 2 : 1);
      if (digits === '') fail('empty character reference');
      for (const digit of digits) if (!(hex ? '0123456789abcdefABCDEF' : '0123456789').includes(digit)) fail(`bad character reference &${body};`);
      const codePoint = Number.parseInt(digits, hex ? 16 : 10);
      if (!isXmlCharacter(codePoint)) fail(`character reference to an illegal character &${body};`);
      return String.fromCodePoint(codePoint);
    }
    const value = predefined[body];
    if (value === undefined) fail(`unknown entity &${body};`);
    return value ?? '';
  };
  const element = (): XmlElement => {
    expect('<');
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      const hadSpace = isSpace(source[at]);
      skipSpace();
      if (source.startsWith('/>', at)) {
        at += 2;
        return { name: tag, attributes, children: [], text: '' };
      }
      if (source[at] === '>') {
        at += 1;
        break;
      }
      if (!hadSpace) fail('expected a space before an attribute');
      const attribute = name();
      if (Object.hasOwn(attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      skipSpace();
      expect('=');
      skipSpace();
      const quote = source[at];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
      at += 1;
      let value = '';
      while (source[at] !== quote) {
        if (at >= source.length) fail('unterminated attribute value');
        if (source[at] === '<') fail('"<" in an attribute value');
        if (source[at] === '&') value += reference();
        else {
          const character = source[at] ?? '';
          // Attribute value normalisation: literal white space becomes a space.
          value += isSpace(character) ? ' ' : character;
          at += 1;
        }
      }
      at += 1;
      attributes[attribute] = value;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (at >= source.length) fail(`unclosed element <${tag}>`);
      if (source.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        expect('>');
        return { name: tag, attributes, children, text };
      }
      if (source.startsWith('<!--', at)) {
        at += 4;
        skipUntil('-->');
      } else if (source.startsWith('<![CDATA[', at)) {
        at += 9;
        text += skipUntil(']]>');
      } else if (source[at] === '<') children.push(element());
      else if (source[at] === '&') text += reference();
      else {
        if (source.startsWith(']]>', at)) fail('"]]>" in text');
        text += source[at];
        at += 1;
      }
    }
  };

  if (source.startsWith('<?xml', at)) {
    at += 5;
    skipUntil('?>');
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== source.length) fail('content after the root element');
  return root;
}
