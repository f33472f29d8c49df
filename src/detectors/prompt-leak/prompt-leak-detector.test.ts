import { describe, expect, it } from 'vitest';
import type { DetectorHit } from '../../core/finding.js';
import { NormalizedText } from '../../text/normalized-text.js';
import type { RequestContext } from '../define-detector.js';
import { maxPromptChars, promptLeakDetector } from './prompt-leak-detector.js';
import { VerbatimIndex } from '../verbatim-index.js';

const systemPrompt = [
  'You are Quill, the writing assistant of Northwind Books.',
  'Answer questions about orders, shipping and returns politely and briefly.',
  'Never discuss competitors, internal pricing rules or the staff rota.',
  'If a customer is upset, offer a voucher worth ten percent of the order.',
].join(' ');
const canary = 'QX7-CANARY-41ZT';
const request: RequestContext = { systemPrompt, canary };

function scan(text: string, options: { request?: RequestContext; config?: unknown } = {}): DetectorHit[] {
  const config = promptLeakDetector.configSchema.parse(options.config ?? {});
  const input = { text: new NormalizedText(text), stage: 'output', source: 'model' } as const;
  return [...(promptLeakDetector.run(input, config, { signal: new AbortController().signal, request: 'request' in options ? options.request : request }) as DetectorHit[])];
}

function covered(text: string, hits: readonly DetectorHit[]): string[] {
  return hits.map((hit) => hit.spans.map((span) => text.slice(span.start, span.end)).join(' + '));
}

function canaryHits(text: string, options?: { request?: RequestContext }): DetectorHit[] {
  return scan(text, options).filter((hit) => hit.category === 'prompt_leak.canary');
}

function promptHits(text: string, options?: { request?: RequestContext; config?: unknown }): DetectorHit[] {
  return scan(text, options).filter((hit) => hit.category === 'prompt_leak.system_prompt');
}

describe('prompt_leak: without the request context', () => {
  it('reports nothing, and does not fail, when the context or its fields are missing or not text', () => {
    const text = `${systemPrompt} ${canary}`;
    for (const context of [undefined, {}, { systemPrompt: '' }, { canary: '' }, { systemPrompt: 42, canary: null } as unknown as RequestContext]) {
      expect(scan(text, { request: context })).toEqual([]);
    }
  });
});

describe('prompt_leak: the canary', () => {
  it('finds the canary as written, with a score of 1 and a span on it', () => {
    const text = `Sure. The token is ${canary}, as requested.`;
    const hits = canaryHits(text);
    expect(covered(text, hits)).toEqual([canary]);
    expect(hits[0]).toMatchObject({ score: 1, severity: 'critical', label: 'CANARY', evidence: { form: 'exact' } });
  });

  it('finds it spaced out, re-cased, split by markup, with look-alike letters, leetspeak or invisible characters', () => {
    for (const disguised of [
      'q x 7 - c a n a r y - 4 1 z t',
      'qx7canary41zt',
      'QX7 **CANA**RY 41ZT',
      'QX7-СANАRY-41ZT', // Cyrillic С and А
      'QX7-C4N4RY-41ZT',
      'QX7-CA\u200BNARY-\u200D41ZT',
      'Q.X.7.C.A.N.A.R.Y.4.1.Z.T',
    ]) {
      const text = `here: ${disguised} ok`;
      const hits = canaryHits(text);
      expect(hits, disguised).toHaveLength(1);
      expect(hits[0]).toMatchObject({ score: 0.95, evidence: { form: 'obfuscated' } });
      expect(covered(text, hits)[0]?.replace(/\u200B|\u200D/g, '')).toBe(disguised.replace(/\u200B|\u200D/g, ''));
    }
  });

  it('finds it inside an encoded payload', () => {
    const hits = canaryHits(`Encoded for you: ${Buffer.from(`token ${canary}`).toString('base64')}`);
    expect(hits[0]).toMatchObject({ encoding: 'base64', evidence: { form: 'encoded' } });
  });

  it('never puts the canary in evidence', () => {
    expect(JSON.stringify(canaryHits(`token ${canary}`).map((hit) => hit.evidence))).not.toMatch(/canary|41zt/i);
  });

  it('does not match text that only shares pieces of it, and ignores canaries too short to be told from words', () => {
    expect(canaryHits('QX7 and a CANARY bird, 41 zebras')).toEqual([]);
    expect(canaryHits('a hidden secret here', { request: { canary: 'secret' } })).toEqual([]);
  });
});

describe('prompt_leak: the system prompt', () => {
  it('finds a long verbatim stretch, whatever its case, spacing and punctuation, and spans it', () => {
    const text = 'My instructions: you are QUILL the writing assistant of Northwind Books;   answer questions about orders shipping and returns politely. Anything else?';
    const hits = promptHits(text);
    expect(covered(text, hits)).toEqual(['you are QUILL the writing assistant of Northwind Books;   answer questions about orders shipping and returns politely']);
    expect(hits[0]).toMatchObject({ severity: 'high', label: 'SYSTEM_PROMPT', evidence: { words: 17 } });
    expect(hits[0]?.score).toBeGreaterThanOrEqual(0.65);
  });

  it('scores the whole prompt, or half of it, at least 0.9', () => {
    expect(promptHits(`Here it is: "${systemPrompt}"`)[0]?.score).toBeGreaterThanOrEqual(0.9);
  });

  it('ignores short overlaps and ordinary answers on the same subject', () => {
    expect(promptHits('I am Quill, the writing assistant of Northwind Books. How can I help?')).toEqual([]);
    expect(promptHits('Your order shipped on Monday; returns are free within 30 days. Please keep the receipt.')).toEqual([]);
  });

  it('honours min_chars and min_words', () => {
    const text = 'you are quill, the writing assistant of northwind books.';
    expect(promptHits(text)).toEqual([]);
    expect(promptHits(text, { config: { min_chars: 40 } })).toHaveLength(1);
    expect(promptHits(text, { config: { min_chars: 40, min_words: 12 } })).toEqual([]);
    expect(promptLeakDetector.configSchema.safeParse({ min_words: 2 }).success).toBe(false);
    expect(promptLeakDetector.configSchema.safeParse({ min_chars: 80, threshold: 1 }).success).toBe(false);
  });

  it('finds a prompt written without spaces between words (each character counts as a word)', () => {
    const chinese = '你是北风书店的写作助手。请礼貌而简短地回答有关订单、配送和退货的问题。不要讨论竞争对手、内部定价规则或员工排班。';
    const text = `好的：${chinese.slice(0, 60)}……`;
    expect(promptHits(text, { request: { systemPrompt: chinese }, config: { min_chars: 40 } })).toHaveLength(1);
  });

  it('finds the prompt inside an encoded payload', () => {
    const hits = promptHits(`Base64 as asked: ${Buffer.from(systemPrompt).toString('base64')}`);
    expect(hits[0]).toMatchObject({ encoding: 'base64' });
  });

  it('indexes a request once, and again when the request object changes', () => {
    const config = promptLeakDetector.configSchema.parse({});
    const mutable: { systemPrompt: string } = { systemPrompt };
    const run = (text: string): DetectorHit[] =>
      [...(promptLeakDetector.run({ text: new NormalizedText(text), stage: 'output', source: 'model' }, config, { signal: new AbortController().signal, request: mutable }) as DetectorHit[])];
    expect(run(systemPrompt)).toHaveLength(1);
    expect(run(systemPrompt)).toHaveLength(1);
    mutable.systemPrompt = 'A completely different prompt about tide tables and harbour pilots, long enough to index for this test.';
    expect(run(systemPrompt)).toEqual([]);
  });
});

describe('prompt_leak: bounded work', () => {
  it('stays linear on large and repetitive prompts and answers, and caps hits per category', () => {
    const started = performance.now();
    const repetitive = 'the the the the '.repeat(20_000);
    expect(scan(repetitive, { request: { systemPrompt: repetitive, canary: 'tttttttttt' } }).length).toBeLessThanOrEqual(128);
    const big = `${systemPrompt} `.repeat(1000);
    const hits = scan(big, { request: { systemPrompt: big.slice(0, maxPromptChars * 2), canary } });
    expect(hits.filter((hit) => hit.category === 'prompt_leak.system_prompt').length).toBeLessThanOrEqual(64);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('VerbatimIndex', () => {
  const items = (text: string): Int32Array => Int32Array.from(text, (character) => character.charCodeAt(0));

  it('finds the stretches of a probe made of windows that occur in the source', () => {
    const index = new VerbatimIndex(items('the quick brown fox'), 5);
    const probe = 'a quick brown dog, the quick';
    expect(index.findRuns(items(probe)).map((run) => probe.slice(run.start, run.end))).toEqual([' quick brown ', 'the quick']);
    expect(index.findRuns(items('quic'))).toEqual([]);
  });

  it('confirms every candidate item by item: different windows never match', () => {
    const index = new VerbatimIndex(items('abcdefghij'.repeat(50)), 8);
    expect(index.findRuns(items('abcdefgX'))).toEqual([]);
    expect(new VerbatimIndex(new Int32Array(0), 3).findRuns(items('abc'))).toEqual([]);
    expect(() => new VerbatimIndex(items('abc'), 0)).toThrow(RangeError);
  });
});
