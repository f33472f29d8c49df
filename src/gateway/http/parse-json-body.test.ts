import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './parse-json-body.js';

const parse = (body: Buffer | string, maxDepth = 8) => parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body, { maxDepth });

describe('parseJsonBody', () => {
  it('parses JSON, brackets inside strings do not count as nesting', () => {
    expect(parse('{"a":[1,{"b":"[[[[[[[[[[{{{{{"}]}', 3)).toEqual({ a: [1, { b: '[[[[[[[[[[{{{{{' }] });
    expect(parse('{"q":"escaped \\" [[[[[[[ quote"}', 1)).toEqual({ q: 'escaped " [[[[[[[ quote' });
  });

  it('refuses nesting beyond the limit, naming it', () => {
    const deep = `${'['.repeat(9)}${']'.repeat(9)}`;
    expect(() => parse(deep, 8)).toThrow(/nested more than 8 levels deep/);
    expect(parse(`${'['.repeat(8)}${']'.repeat(8)}`, 8)).toEqual([[[[[[[[]]]]]]]]);
    expect(() => parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, 64)).toThrow(/nested more than 64/);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    const body = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expect(() => parse(body)).toThrow(/not valid UTF-8/);
  });

  it('refuses an empty body and malformed JSON with a code and a reason', () => {
    expect(() => parse('')).toThrow(expect.objectContaining({ code: 'invalid_json', status: 400 }));
    expect(() => parse('{"model": "x",}')).toThrow(/not valid JSON/);
    expect(() => parse('{"model": "x"')).toThrow(expect.objectContaining({ code: 'invalid_json' }));
  });
});
