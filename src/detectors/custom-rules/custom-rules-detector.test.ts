import { describe, expect, it } from 'vitest';
import { covered, runDetector } from '../test-support/run-detector.js';
import { customRulesDetector, maxMatchesPerPattern } from './custom-rules-detector.js';

function rules(...list: unknown[]) {
  return { rules: list };
}

describe('custom_rules: keywords', () => {
  const config = rules({ id: 'codename', category: 'confidential.codename', keywords: ['Bluebird', 'project x'], severity: 'high' });

  it('matches whole words, whatever the case, spacing or obfuscation, and maps spans to the original', async () => {
    const text = 'Status of BLUEBIRD and Project   X? Also b1u3b1rd and Вluebird.';
    const hits = await runDetector(customRulesDetector, text, { config });
    expect(covered(text, hits)).toEqual(['BLUEBIRD', 'Project   X', 'b1u3b1rd', 'Вluebird']);
    expect(hits[0]).toMatchObject({ category: 'confidential.codename', severity: 'high', label: 'CODENAME', evidence: { rule: 'codename', kind: 'keyword' } });
  });

  it('does not match inside longer words', async () => {
    expect(await runDetector(customRulesDetector, 'bluebirds and projects xy', { config })).toEqual([]);
  });

  it('matches keywords in other scripts', async () => {
    const text = '关于蓝鸟计划的消息';
    const hits = await runDetector(customRulesDetector, text, { config: rules({ id: 'cn', keywords: ['蓝鸟计划'] }) });
    expect(covered(text, hits)).toEqual(['蓝鸟计划']);
  });
});

describe('custom_rules: patterns', () => {
  it('matches RE2 patterns case-insensitively by default, on the clean view', async () => {
    const text = 'ticket prj-1234 and PRJ-9\u200b876';
    const hits = await runDetector(customRulesDetector, text, { config: rules({ id: 'ticket', patterns: ['\\bPRJ-\\d{4}\\b'] }) });
    expect(covered(text, hits)).toEqual(['prj-1234', 'PRJ-9\u200b876']);
    expect(hits[0]).toMatchObject({ category: 'custom.ticket', label: 'TICKET', evidence: { kind: 'pattern', pattern: 0 } });
  });

  it('honours case_sensitive and patterns_on: original', async () => {
    const text = 'prj-1234 PRJ-5678 PRJ-9\u200b876';
    const config = rules({ id: 'ticket', patterns: ['PRJ-\\d{4}'], case_sensitive: true, patterns_on: 'original' });
    expect(covered(text, await runDetector(customRulesDetector, text, { config }))).toEqual(['PRJ-5678']);
  });

  it('bounds the cost of patterns that rescan ahead for every match, and says when it stopped', async () => {
    const text = 'a'.repeat(40_000);
    const started = performance.now();
    const hits = await runDetector(customRulesDetector, text, { config: rules({ id: 'rescan', patterns: ['a+b|a', '\\w+@x|\\w'] }) });
    // Without the cap this takes minutes; the bound only turns a hang into a failure.
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(hits).toHaveLength(2 * maxMatchesPerPattern);
    expect(hits.filter((hit) => hit.evidence.capped === true)).toHaveLength(2);
  });

  it('runs a catastrophic-backtracking pattern in linear time', async () => {
    const text = `${'a'.repeat(30_000)}!`;
    const config = rules({ id: 'redos', patterns: ['(a+)+$', '(a|aa)+b', '(.*a){12}b'] });
    const started = performance.now();
    expect(await runDetector(customRulesDetector, text, { config })).toEqual([]);
    // A backtracking engine needs longer than the age of the universe here; the bound only guards a hang.
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('skips zero-width matches, which cover nothing', async () => {
    const text = 'one two';
    const hits = await runDetector(customRulesDetector, text, { config: rules({ id: 'edges', patterns: ['\\b', 'two'] }) });
    expect(covered(text, hits)).toEqual(['two']);
  });
});

describe('custom_rules: configuration errors are load errors', () => {
  function issues(config: unknown): string[] {
    const parsed = customRulesDetector.configSchema.safeParse(config);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }

  it('rejects syntax RE2 cannot run (backreferences, lookaround) and broken patterns, naming the pattern', () => {
    expect(issues(rules({ id: 'a', patterns: ['(\\w+) \\1'] }))[0]).toMatch(/^rules\.0\.patterns\.0: invalid regular expression/);
    expect(issues(rules({ id: 'a', patterns: ['(?<=x)y'] }))[0]).toMatch(/^rules\.0\.patterns\.0: invalid regular expression/);
    expect(issues(rules({ id: 'a', patterns: ['ok', 'a('] }))[0]).toMatch(/^rules\.0\.patterns\.1: invalid regular expression.*missing closing \)/);
  });

  it('rejects patterns whose compiled program is too large', () => {
    expect(issues(rules({ id: 'a', patterns: ['(?:abcdefghij){1,900}'] }))[0]).toMatch(/too complex \(program size \d+ > 5000\)/);
    expect(issues(rules({ id: 'a', patterns: ['(?:a{1,1000}){1,1000}'] }))[0]).toMatch(/too large/);
  });

  it('rejects patterns that match the empty string: they would match everywhere', () => {
    expect(issues(rules({ id: 'a', patterns: ['x*'] }))[0]).toMatch(/^rules\.0\.patterns\.0: pattern matches the empty string/);
    expect(issues(rules({ id: 'a', patterns: ['a|'] }))[0]).toMatch(/matches the empty string/);
  });

  it('rejects empty rules, empty patterns, duplicate ids and unknown fields', () => {
    expect(issues(rules({ id: 'a' }))[0]).toMatch(/at least one keyword or pattern/);
    expect(issues(rules({ id: 'a', patterns: [''] }))[0]).toMatch(/cannot be empty/);
    expect(issues(rules({ id: 'a', keywords: ['x'] }, { id: 'a', keywords: ['y'] }))[0]).toMatch(/^rules\.1\.id: duplicate rule id "a"/);
    expect(issues(rules({ id: 'a', keywords: ['x'], regex: 'y' }))[0]).toMatch(/regex/);
    expect(issues(rules({ id: 'Bad Id', keywords: ['x'] }))[0]).toMatch(/^rules\.0\.id/);
    expect(issues(rules({ id: '2fa', keywords: ['x'] }))[0]).toMatch(/^rules\.0\.id: start with a lower-case letter/);
    expect(issues(rules({ id: 'a', keywords: ['x'], label: '9LIVES' }))[0]).toMatch(/^rules\.0\.label/);
  });
});
