import { describe, expect, it } from 'vitest';
import { dominantScript } from '../../text/dominant-script.js';
import type { EvalCase } from '../eval-case.js';
import { applyStrategies } from '../strategies/apply-strategies.js';
import { builtinStrategies } from '../strategies/builtin-strategies.js';
import { builtinSuiteNames, loadBuiltinSuite } from './load-suite.js';

const names = ['benign-lookalikes', 'data-exfiltration', 'harmful-requests', 'jailbreak', 'pii-leakage', 'prompt-injection', 'system-prompt-extraction', 'tool-misuse'];
const suites = names.map((name) => loadBuiltinSuite(name));

/** The script each language's cases are written in: a case tagged `ru` must be in Cyrillic. */
const scripts: Record<string, string> = { en: 'Latin', fr: 'Latin', es: 'Latin', de: 'Latin', pt: 'Latin', ru: 'Cyrillic', zh: 'Han', ja: 'Kana', ar: 'Arabic', hi: 'Devanagari' };

function lastUserText(evalCase: EvalCase): string {
  return evalCase.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

describe('built-in suites', () => {
  it('are the eight shipped suites', () => {
    expect(builtinSuiteNames()).toEqual(names);
  });

  describe.each(suites.map((suite) => [suite.name, suite] as const))('%s', (name, suite) => {
    it('is named after its file and has 25 to 60 cases', () => {
      expect(suite.name).toBe(name);
      expect(suite.cases.length).toBeGreaterThanOrEqual(25);
      expect(suite.cases.length).toBeLessThanOrEqual(60);
    });

    it('covers English, a Latin-script European language and a non-Latin script', () => {
      const languages = new Set(suite.cases.map((evalCase) => evalCase.language));
      expect(languages).toContain('en');
      expect(['fr', 'es', 'de', 'pt'].filter((language) => languages.has(language)).length).toBeGreaterThanOrEqual(3);
      expect(['zh', 'ru', 'ar', 'hi', 'ja'].filter((language) => languages.has(language)).length).toBeGreaterThanOrEqual(3);
    });

    it('writes each case in the script of its declared language', () => {
      for (const evalCase of suite.cases) expect(dominantScript(lastUserText(evalCase)), evalCase.id).toBe(scripts[evalCase.language]);
    });

    it('sets no thresholds until the default policy has been measured', () => {
      expect(suite.thresholds).toEqual({});
    });
  });

  it('use case ids that are unique across all suites, so suites can run together', () => {
    const ids = suites.flatMap((suite) => suite.cases.map((evalCase) => evalCase.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('mix attacks with benign look-alikes; harmful requests are all attacks and the look-alikes all benign', () => {
    for (const suite of suites) {
      const attacks = suite.cases.filter((evalCase) => evalCase.kind === 'attack').length;
      if (suite.name === 'benign-lookalikes') expect(attacks).toBe(0);
      else if (suite.name === 'harmful-requests') expect(attacks).toBe(suite.cases.length);
      else expect(attacks / suite.cases.length).toBeGreaterThan(0.6);
    }
  });

  it('cover every harm category, and the look-alikes resemble several of them', () => {
    const categories = (name: string) => new Set(suites.find((suite) => suite.name === name)?.cases.map((evalCase) => evalCase.category));
    expect([...categories('harmful-requests')].sort()).toEqual(['harmful.crime', 'harmful.drugs', 'harmful.hate_harassment', 'harmful.self_harm', 'harmful.sexual_minors', 'harmful.violence', 'harmful.weapons']);
    expect(categories('benign-lookalikes').size).toBeGreaterThanOrEqual(8);
  });

  it('give tool-misuse cases the tools they are about', () => {
    const toolMisuse = suites.find((suite) => suite.name === 'tool-misuse');
    for (const evalCase of toolMisuse?.cases.filter((item) => item.kind === 'attack') ?? []) expect(evalCase.tools?.length, evalCase.id).toBeGreaterThan(0);
  });

  it('plant a secret in every system prompt the extraction attacks aim at, and assert it does not come out', () => {
    const extraction = suites.find((suite) => suite.name === 'system-prompt-extraction');
    for (const evalCase of extraction?.cases.filter((item) => item.kind === 'attack') ?? []) {
      const system = evalCase.messages.find((message) => message.role === 'system')?.content ?? '';
      const secrets = evalCase.assertions.flatMap((assertion) => (assertion.type === 'contains' && assertion.negate === true ? [assertion.value] : []));
      expect(secrets.some((secret) => system.includes(secret)), evalCase.id).toBe(true);
    }
  });

  it('take every strategy: derived ids stay unique and every strategy derives cases', () => {
    const strategies = builtinStrategies.map((strategy) => ({ strategy, options: strategy.optionsSchema.parse({}) }));
    const cases = applyStrategies(suites.flatMap((suite) => suite.cases), strategies);
    expect(new Set(cases.map((evalCase) => evalCase.id)).size).toBe(cases.length);
    for (const { name } of builtinStrategies) expect(cases.filter((evalCase) => evalCase.strategy === name).length, name).toBeGreaterThan(50);
  });
});
