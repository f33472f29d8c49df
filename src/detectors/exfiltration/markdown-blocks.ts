/** A stretch [start, end) of a text. */
export interface Range {
  start: number;
  end: number;
}

/** A reference definition (`[label]: url "title"`), which reference-style links and images use. */
export interface ReferenceDefinition {
  /** The definition's line: where a rewrite must reach to remove the URL too. */
  range: Range;
  /** Where its `[` is. */
  bracket: number;
  destination: string;
}

const fenceOpen = /^ {0,3}(`{3,}|~{3,})/;
const blankLine = /^[ \t]*$/;
/** Label: up to 999 characters, escapes allowed, no unescaped brackets; every part unambiguous, so one attempt per line start: linear. */
const definitionLine = /^ {0,3}\[((?:[^\][\\\n]|\\.){1,999})\]:[ \t]*(?:\n[ \t]*)?(<[^<>\n]*>|\S+)[^\n]*/gm;

/** CommonMark matches reference labels case-insensitively, with inner whitespace collapsed. */
export function normalizeLabel(label: string): string {
  return label.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Lines of a text, each with its offset (the newline excluded). */
function* lines(text: string): Generator<Range> {
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    yield { start, end };
    if (newline === -1) return;
    start = newline + 1;
  }
}

/**
 * Inline code spans in one paragraph: a run of n backticks opens a span that the next run of
 * exactly n closes; a run with no partner is literal. Each run is looked at a bounded number
 * of times (a queue per run length), so this is linear.
 */
function codeSpans(text: string, block: Range, into: Range[]): void {
  const runs: Range[] = [];
  let index = text.indexOf('`', block.start);
  while (index !== -1 && index < block.end) {
    let end = index;
    while (end < block.end && text.charCodeAt(end) === 96) end++;
    if (index === 0 || text.charCodeAt(index - 1) !== 92) runs.push({ start: index, end });
    index = text.indexOf('`', end);
  }
  if (runs.length < 2) return;
  const byLength = new Map<number, number[]>();
  runs.forEach((run, position) => {
    const length = run.end - run.start;
    const list = byLength.get(length);
    if (list === undefined) byLength.set(length, [position]);
    else list.push(position);
  });
  const cursor = new Map<number, number>();
  let position = 0;
  while (position < runs.length) {
    const run = runs[position] as Range;
    const length = run.end - run.start;
    const list = byLength.get(length) as number[];
    let at = cursor.get(length) ?? 0;
    while (at < list.length && (list[at] as number) <= position) at++;
    cursor.set(length, at);
    const partner = list[at];
    if (partner === undefined) {
      position++;
      continue;
    }
    into.push({ start: run.start, end: (runs[partner] as Range).end });
    position = partner + 1;
  }
}

/**
 * Where a Markdown renderer shows text as code and renders nothing in it: fenced blocks (``` or
 * ~~~, to the closing fence or the end) and inline code spans (within a paragraph). Sorted.
 */
export function findCodeRegions(text: string): Range[] {
  if (!text.includes('`') && !text.includes('~~~')) return [];
  const regions: Range[] = [];
  let fence: { marker: number; length: number; start: number } | undefined;
  let paragraph: Range | undefined;
  const closeParagraph = (): void => {
    if (paragraph !== undefined) codeSpans(text, paragraph, regions);
    paragraph = undefined;
  };
  for (const line of lines(text)) {
    const content = text.slice(line.start, line.end);
    const opening = fenceOpen.exec(content);
    if (fence !== undefined) {
      const closes = opening !== null && opening[1]?.charCodeAt(0) === fence.marker && (opening[1]?.length ?? 0) >= fence.length && blankLine.test(content.slice(opening[0].length));
      if (closes) {
        regions.push({ start: fence.start, end: line.end });
        fence = undefined;
      }
      continue;
    }
    if (opening !== null) {
      closeParagraph();
      fence = { marker: opening[1]?.charCodeAt(0) as number, length: opening[1]?.length as number, start: line.start };
      continue;
    }
    if (blankLine.test(content)) closeParagraph();
    else paragraph = paragraph === undefined ? { ...line } : { start: paragraph.start, end: line.end };
  }
  closeParagraph();
  if (fence !== undefined) regions.push({ start: fence.start, end: text.length });
  return regions.sort((a, b) => a.start - b.start);
}

/** Whether `index` falls in one of the sorted `regions`; `from` is a cursor that only moves forward. */
export function regionAt(regions: readonly Range[], index: number, from: { next: number }): Range | undefined {
  while (from.next < regions.length && (regions[from.next] as Range).end <= index) from.next++;
  const region = regions[from.next];
  return region !== undefined && region.start <= index ? region : undefined;
}

/**
 * Reference definitions outside code, by normalised label (the first definition of a label
 * wins), and the brackets of every definition line, repeated ones included: none is a link.
 */
export function findReferenceDefinitions(text: string, code: readonly Range[]): { definitions: Map<string, ReferenceDefinition>; brackets: Set<number> } {
  const definitions = new Map<string, ReferenceDefinition>();
  const brackets = new Set<number>();
  if (!text.includes(']:')) return { definitions, brackets };
  const cursor = { next: 0 };
  for (const match of text.matchAll(definitionLine)) {
    const bracket = match.index + (match[0].indexOf('[') as number);
    if (regionAt(code, bracket, cursor) !== undefined) continue;
    const label = normalizeLabel(match[1] as string);
    if (label === '') continue;
    brackets.add(bracket);
    if (definitions.has(label)) continue;
    let destination = match[2] as string;
    if (destination.startsWith('<')) destination = destination.slice(1, -1);
    definitions.set(label, { range: { start: match.index, end: match.index + match[0].length }, bracket, destination });
  }
  return { definitions, brackets };
}
