import { describe, expect, it } from 'vitest';
import type { EvalCase } from '../eval-case.js';
import { applyStrategies } from './apply-strategies.js';
import { builtinStrategies } from './builtin-strategies.js';
import { configureStrategies } from './configure-strategies.js';
import { attackCase } from './test-support/attack-case.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

describe('builtinStrategies', () => {
  it('lists every strategy once, with snake_case names and options that all have defaults', () => {
    const names = builtinStrategies.map((strategy) => strategy.name);
    expect(names).toEqual(['base64', 'hex', 'rot13', 'leetspeak', 'homoglyphs', 'zero_width', 'casing_noise', 'payload_splitting', 'roleplay', 'hypothetical', 'translation', 'multi_turn_escalation']);
    for (const strategy of builtinStrategies) {
      expect(strategy.name).toMatch(/^[a-z0-9]+(?:_[a-z0-9]+)*$/);
      expect(strategy.description.length).toBeGreaterThan(10);
      expect(strategy.optionsSchema.safeParse({}).success).toBe(true);
      expect(strategy.optionsSchema.safeParse({ no_such_option: 1 }).success).toBe(false);
    }
  });

  describe.each(builtinStrategies.map((strategy) => [strategy.name, strategy] as const))('%s', (name, strategy) => {
    const options = strategy.optionsSchema.parse({});
    const parent = deepFreeze(attackCase());

    it('derives one case: id <parent>~<strategy>, parent and strategy set, kind, expectation, category and assertions kept', () => {
      const derived = strategy.apply(parent, options);
      expect(derived).toHaveLength(1);
      expect(derived[0]).toMatchObject({
        id: `pi-001~${name}`,
        parent: 'pi-001',
        strategy: name,
        kind: 'attack',
        expect: 'blocked',
        category: 'prompt_injection',
        assertions: parent.assertions,
      });
      expect(derived[0]?.tags).toEqual(expect.arrayContaining(parent.tags));
      expect(derived[0]?.messages).not.toEqual(parent.messages);
    });

    it('is deterministic and leaves the parent unchanged (it is frozen)', () => {
      expect(strategy.apply(parent, options)).toEqual(strategy.apply(parent, options));
    });

    it('keeps the system prompt first and ends on a user turn', () => {
      const messages = strategy.apply(parent, options)[0]?.messages ?? [];
      expect(messages[0]).toEqual(parent.messages[0]);
      expect(messages.at(-1)?.role).toBe('user');
    });
  });
});

describe('applyStrategies', () => {
  const benign: EvalCase = { ...attackCase({ id: 'ok-001', prompt: 'What time do you open on Sundays?' }), kind: 'benign', expect: 'allowed' };
  const strategies = configureStrategies(['base64', { name: 'leetspeak', options: { rate: 1 } }]);

  it('follows each attack case with its derived cases, in the order of the strategies; benign cases are not mutated', () => {
    const cases = applyStrategies([attackCase(), benign, attackCase({ id: 'pi-002' })], strategies);
    expect(cases.map((evalCase) => evalCase.id)).toEqual(['pi-001', 'pi-001~base64', 'pi-001~leetspeak', 'ok-001', 'pi-002', 'pi-002~base64', 'pi-002~leetspeak']);
  });

  it('does not mutate cases that were already derived', () => {
    const derived = applyStrategies([attackCase()], strategies).slice(1);
    expect(applyStrategies(derived, strategies)).toEqual(derived);
  });
});

describe('configureStrategies', () => {
  it('accepts names and { name, options }, filling defaults', () => {
    const configured = configureStrategies(['rot13', { name: 'payload_splitting', options: { parts: 4 } }]);
    expect(configured.map(({ strategy, options }) => [strategy.name, options])).toEqual([
      ['rot13', { instruction: expect.any(String) }],
      ['payload_splitting', { parts: 4 }],
    ]);
  });

  it('reports unknown names, bad options and strategies listed twice, all at once', () => {
    expect(() => configureStrategies(['base65', { name: 'payload_splitting', options: { parts: 1 } }, 'rot13', 'rot13'])).toThrow(
      /strategies\[0\]: unknown strategy "base65" \(available: base64, hex,[\s\S]*strategies\[1\]\.options\.parts: [^\n]*>=2[\s\S]*strategies\[3\]: strategy "rot13" is already listed at 2/,
    );
  });
});
