import { describe, expect, it } from 'vitest';
import { lineRange, policyErrorPositions } from './policy-error-positions.js';

describe('policyErrorPositions', () => {
  it('reads each name:line:column of a schema error', () => {
    expect(policyErrorPositions('invalid policy policy (2 problems):\n  policy:5:13: rules[0].action: must be one of allow, block\n  policy:7:3: rules[1].id: required')).toEqual([
      { line: 5, column: 13, message: 'rules[0].action: must be one of allow, block' },
      { line: 7, column: 3, message: 'rules[1].id: required' },
    ]);
  });

  it('reads a YAML error’s position, and none from a message without one', () => {
    expect(policyErrorPositions('invalid policy policy: not valid YAML:\n  policy:2:7: Flow sequence in block collection must be sufficiently indented')).toEqual([{ line: 2, column: 7, message: 'Flow sequence in block collection must be sufficiently indented' }]);
    expect(policyErrorPositions('invalid policy policy: the policy is empty')).toEqual([]);
  });
});

describe('lineRange', () => {
  it('finds a line’s characters, and the end for a line past the text', () => {
    const text = 'one\ntwo\nthree';
    expect(lineRange(text, 2)).toEqual({ start: 4, end: 7 });
    expect(text.slice(lineRange(text, 3).start, lineRange(text, 3).end)).toBe('three');
    expect(lineRange(text, 9)).toEqual({ start: text.length, end: text.length });
  });
});
