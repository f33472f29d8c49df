import { diffLines } from 'diff';

/**
 * A line diff of two policy texts, computed in the browser with the `diff` package (the admin API
 * has no diff route; the CLI's `palisade policy diff` uses the same package). Long unchanged
 * stretches fold to `context` lines around each change.
 */
export type DiffRow = { kind: 'same' | 'added' | 'removed'; oldNumber?: number; newNumber?: number; text: string } | { kind: 'skipped'; count: number };

export interface LineDiff {
  rows: DiffRow[];
  added: number;
  removed: number;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  // A change's value ends with its last line's newline: that is no extra, empty line.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function lineDiff(before: string, after: string, options: { context?: number } = {}): LineDiff {
  const context = options.context ?? 3;
  const full: Exclude<DiffRow, { kind: 'skipped' }>[] = [];
  let oldNumber = 0;
  let newNumber = 0;
  let added = 0;
  let removed = 0;
  for (const change of diffLines(before, after)) {
    for (const text of linesOf(change.value)) {
      if (change.added) {
        newNumber += 1;
        added += 1;
        full.push({ kind: 'added', newNumber, text });
      } else if (change.removed) {
        oldNumber += 1;
        removed += 1;
        full.push({ kind: 'removed', oldNumber, text });
      } else {
        oldNumber += 1;
        newNumber += 1;
        full.push({ kind: 'same', oldNumber, newNumber, text });
      }
    }
  }
  // Keep the unchanged lines within `context` of a change; fold the rest.
  const keep = full.map((row) => row.kind !== 'same');
  full.forEach((row, index) => {
    if (row.kind === 'same') return;
    for (let offset = 1; offset <= context; offset += 1) {
      if (index - offset >= 0) keep[index - offset] = true;
      if (index + offset < full.length) keep[index + offset] = true;
    }
  });
  const rows: DiffRow[] = [];
  let skipped = 0;
  full.forEach((row, index) => {
    if (keep[index] === true) {
      if (skipped > 0) rows.push({ kind: 'skipped', count: skipped });
      skipped = 0;
      rows.push(row);
    } else skipped += 1;
  });
  if (skipped > 0) rows.push({ kind: 'skipped', count: skipped });
  return { rows, added, removed };
}
