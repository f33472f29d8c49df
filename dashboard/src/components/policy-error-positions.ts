/**
 * The positions in an `invalid_policy` message (`name:line:column: what`, one per problem, as the
 * gateway's policy loader writes them), so the console can point at the lines of the text.
 */
export interface PolicyErrorPosition {
  line: number;
  column: number;
  message: string;
}

export function policyErrorPositions(message: string): PolicyErrorPosition[] {
  const positions: PolicyErrorPosition[] = [];
  for (const match of message.matchAll(/(?:^|\s)[^\s:]+:(\d+):(\d+): ([^\n]+)/g)) {
    positions.push({ line: Number(match[1]), column: Number(match[2]), message: (match[3] ?? '').trim() });
  }
  return positions;
}

/** The character offsets of a 1-based line of `text`, to select it in a textarea. */
export function lineRange(text: string, line: number): { start: number; end: number } {
  let start = 0;
  for (let current = 1; current < line; current += 1) {
    const next = text.indexOf('\n', start);
    if (next === -1) return { start: text.length, end: text.length };
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return { start, end: end === -1 ? text.length : end };
}
