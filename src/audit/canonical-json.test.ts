import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: undefined, b: -0 } })).toBe('{"a":{"b":0,"d":[true,null,"x"]},"b":1}');
  });

  it('gives the same text whatever order the keys were built in', () => {
    const one = { id: 'x', data: { z: 1, y: [1, 2] } };
    const two = { data: { y: [1, 2], z: 1 }, id: 'x' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('is stable through a parse: re-serialising its output gives the same text', () => {
    const text = canonicalJson({ n: 1e21, small: 5e-7, pi: Math.PI, text: 'line\nbreak "quoted" \u2028 é \ud800', __proto__key: 'k', list: [{ b: 2, a: 1 }] });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('refuses what JSON cannot carry faithfully, naming where', () => {
    expect(() => canonicalJson({ data: { list: [1, undefined] } })).toThrow(/\$\.data\.list\[1\] is undefined/);
    expect(() => canonicalJson({ score: Number.NaN })).toThrow(/\$\.score is not a finite number/);
    expect(() => canonicalJson({ big: 1n })).toThrow(/is a bigint/);
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/is not a plain object/);
    expect(() => canonicalJson({ run: () => 1 })).toThrow(/is a function/);
    expect(() => canonicalJson(Symbol('s'))).toThrow(/is a symbol/);
    let deep: unknown = 1;
    for (let level = 0; level < 100; level += 1) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nested deeper/);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});
