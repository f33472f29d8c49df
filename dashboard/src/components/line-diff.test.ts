import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff.js';

const numbered = (count: number, changed: Record<number, string> = {}) =>
  Array.from({ length: count }, (_, index) => changed[index + 1] ?? `line ${index + 1}`).join('\n') + '\n';

describe('lineDiff', () => {
  it('marks a changed line as removed then added, with both texts’ line numbers', () => {
    const diff = lineDiff('a\nb\nc\n', 'a\nB\nc\n');
    expect(diff).toEqual({
      added: 1,
      removed: 1,
      rows: [
        { kind: 'same', oldNumber: 1, newNumber: 1, text: 'a' },
        { kind: 'removed', oldNumber: 2, text: 'b' },
        { kind: 'added', newNumber: 2, text: 'B' },
        { kind: 'same', oldNumber: 3, newNumber: 3, text: 'c' },
      ],
    });
  });

  it('folds unchanged stretches beyond the context, counting the lines folded', () => {
    const diff = lineDiff(numbered(20), numbered(20, { 10: 'ten' }), { context: 2 });
    expect(diff.rows).toEqual([
      { kind: 'skipped', count: 7 },
      { kind: 'same', oldNumber: 8, newNumber: 8, text: 'line 8' },
      { kind: 'same', oldNumber: 9, newNumber: 9, text: 'line 9' },
      { kind: 'removed', oldNumber: 10, text: 'line 10' },
      { kind: 'added', newNumber: 10, text: 'ten' },
      { kind: 'same', oldNumber: 11, newNumber: 11, text: 'line 11' },
      { kind: 'same', oldNumber: 12, newNumber: 12, text: 'line 12' },
      { kind: 'skipped', count: 8 },
    ]);
  });

  it('numbers lines after an insertion in the new text only', () => {
    const diff = lineDiff('a\nb\n', 'a\nnew\nb\n');
    expect(diff.added).toBe(1);
    expect(diff.removed).toBe(0);
    expect(diff.rows.at(-1)).toEqual({ kind: 'same', oldNumber: 2, newNumber: 3, text: 'b' });
  });

  it('shows identical texts as one folded stretch', () => {
    expect(lineDiff(numbered(10), numbered(10))).toEqual({ added: 0, removed: 0, rows: [{ kind: 'skipped', count: 10 }] });
  });
});
