import { describe, expect, it } from 'vitest';
import { escalationOpenings, multiTurnEscalationStrategy } from './multi-turn-escalation-strategy.js';
import { attackCase } from './test-support/attack-case.js';

describe('multi_turn_escalation strategy', () => {
  it('puts harmless exchanges after the system prompt and before the attack, which is sent unchanged last', () => {
    const parent = attackCase();
    const [derived] = multiTurnEscalationStrategy.apply(parent, multiTurnEscalationStrategy.optionsSchema.parse({}));
    const messages = derived?.messages ?? [];
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[0]).toEqual(parent.messages[0]);
    expect(messages.at(-1)).toEqual(parent.messages.at(-1));
    const opening = messages.slice(1, 5).map((message) => message.content);
    expect(escalationOpenings.some((exchanges) => exchanges.flat().slice(0, 4).join('\n') === opening.join('\n'))).toBe(true);
  });

  it('takes the number of exchanges from the options', () => {
    for (const turns of [1, 4]) {
      const [derived] = multiTurnEscalationStrategy.apply(attackCase(), multiTurnEscalationStrategy.optionsSchema.parse({ turns }));
      expect(derived?.messages).toHaveLength(2 + 2 * turns);
    }
    expect(multiTurnEscalationStrategy.optionsSchema.safeParse({ turns: 5 }).success).toBe(false);
  });

  it('keeps an existing conversation after the opening, and works without a system prompt', () => {
    const parent = attackCase({ messages: [{ role: 'user', content: 'earlier question' }, { role: 'assistant', content: 'earlier answer' }, { role: 'user', content: 'the attack' }] });
    const [derived] = multiTurnEscalationStrategy.apply(parent, multiTurnEscalationStrategy.optionsSchema.parse({ turns: 1 }));
    expect(derived?.messages.slice(2)).toEqual(parent.messages);
  });

  it('picks the opening by case id and seed, spread over the openings', () => {
    const options = multiTurnEscalationStrategy.optionsSchema.parse({});
    const firsts = new Set(Array.from({ length: 30 }, (_, index) => multiTurnEscalationStrategy.apply(attackCase({ id: `c${index}` }), options)[0]?.messages[1]?.content));
    expect(firsts.size).toBe(escalationOpenings.length);
  });
});
