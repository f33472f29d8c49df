import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { loadDefaultPolicy, parsePolicy } from '../policy/load-policy.js';
import { createGuardEngine } from './guard-engine.js';
import { createStreamGuard, type StreamGuard } from './stream-guard.js';

const registry = createDetectorRegistry(builtinDetectors);
const defaultEngine = createGuardEngine({ policy: await loadDefaultPolicy(registry) });
const blockingEngine = createGuardEngine({
  policy: parsePolicy({
    registry,
    text: `version: 1
name: stream-test
detectors:
  custom_rules:
    config:
      rules:
        - id: launch_codes
          keywords: [launch code]
        - id: project_names
          patterns: ['\\bPRJ-\\d{4}\\b']
          label: PROJECT
rules:
  - id: block-launch-codes
    category: custom.launch_codes
    action: block
  - id: redact-projects
    category: custom.project_names
    action: redact
`,
  }),
});

/** Feeds the text in pieces of `size` characters and collects what the guard releases. */
async function stream(guard: StreamGuard, text: string, size: number): Promise<{ released: string[]; finish: Awaited<ReturnType<StreamGuard['finish']>> }> {
  const released: string[] = [];
  for (let at = 0; at < text.length; at += size) {
    const piece = await guard.push(text.slice(at, at + size));
    if (piece !== '') released.push(piece);
  }
  const finish = await guard.finish();
  if (finish.text !== '') released.push(finish.text);
  return { released, finish };
}

const filler = 'The quarterly report covers revenue, hiring and the office move in some detail. ';

describe('stream guard', () => {
  it('redacts a card number that arrives one character at a time, and never releases any of its digits first', async () => {
    const guard = createStreamGuard({ engine: defaultEngine, scope: {}, holdBackChars: 64, scanEveryChars: 8 });
    const answer = `${filler}Your card 4111 1111 1111 1111 is on file. ${filler}`;
    const { released, finish } = await stream(guard, answer, 1);
    const sent = released.join('');
    expect(sent).toBe(`${filler}Your card [CREDIT_CARD] is on file. ${filler}`);
    expect(released.some((piece) => /\d{4}/.test(piece))).toBe(false);
    expect(finish.decision.action).toBe('redact');
    expect(finish.decision.findings.map((finding) => finding.category)).toContain('pii.credit_card');
    expect(guard.text).toBe(answer);
  });

  it('releases text in several pieces, each at least the hold-back behind the newest character', async () => {
    const guard = createStreamGuard({ engine: defaultEngine, scope: {}, holdBackChars: 40, scanEveryChars: 10 });
    const answer = filler.repeat(4);
    const released: string[] = [];
    let received = 0;
    let sentSoFar = 0;
    for (let at = 0; at < answer.length; at += 5) {
      const delta = answer.slice(at, at + 5);
      received += delta.length;
      const piece = await guard.push(delta);
      sentSoFar += piece.length;
      expect(received - sentSoFar).toBeGreaterThanOrEqual(Math.min(40, received));
      if (piece !== '') released.push(piece);
    }
    released.push((await guard.finish()).text);
    expect(released.length).toBeGreaterThan(3);
    expect(released.join('')).toBe(answer);
  });

  it('stops at a blocked phrase: nothing of it, and nothing after it, is released', async () => {
    const guard = createStreamGuard({ engine: blockingEngine, scope: {}, holdBackChars: 32, scanEveryChars: 4 });
    const answer = `${filler}${filler}Here is the launch code you asked for: 0000. ${filler}`;
    const { released, finish } = await stream(guard, answer, 3);
    const sent = released.join('');
    expect(answer.startsWith(sent)).toBe(true);
    expect(sent).not.toContain('launch');
    expect(sent.length).toBeGreaterThan(filler.length);
    expect(finish.blocked?.action).toBe('block');
    expect(finish.text).toBe('');
    expect(await guard.push('more text')).toBe('');
    expect(guard.blocked?.rules.find((rule) => rule.applied)?.id).toBe('block-launch-codes');
  });

  it('checks the whole answer at the end, so a phrase split across the last window is still caught', async () => {
    const guard = createStreamGuard({ engine: blockingEngine, scope: {}, holdBackChars: 16, scanEveryChars: 4, lookbackChars: 16 });
    const { released, finish } = await stream(guard, `${filler.repeat(3)}launch code`, 2);
    expect(released.join('')).not.toContain('launch');
    expect(finish.blocked).toBeDefined();
  });

  it('counts a flagged span longer than the hold-back as a late finding and redacts what was not yet sent', async () => {
    const guard = createStreamGuard({ engine: blockingEngine, scope: {}, holdBackChars: 4, scanEveryChars: 1, lookbackChars: 16 });
    const { released, finish } = await stream(guard, `${filler}PRJ-1234 follows.`, 1);
    const sent = released.join('');
    expect(sent.startsWith(filler)).toBe(true);
    expect(sent).not.toContain('1234');
    expect(finish.lateFindings).toBeGreaterThan(0);
  });

  it('restores the input stage placeholders in the answer, even when one arrives split in two', async () => {
    const input = await defaultEngine.check({ messages: [{ role: 'user', content: 'Write to jane@example.com please' }] });
    expect(input.vault?.size).toBe(1);
    const guard = createStreamGuard({ engine: defaultEngine, scope: {}, holdBackChars: 8, scanEveryChars: 1, ...(input.vault === undefined ? {} : { unmaskWith: input.vault }) });
    const { released } = await stream(guard, `${filler}I will write to <EMAIL_1> today. ${filler}`, 3);
    expect(released.join('')).toBe(`${filler}I will write to jane@example.com today. ${filler}`);
    expect(released.some((piece) => piece.includes('<EMAIL'))).toBe(false);
  });

  it('never splits a character outside the basic plane', async () => {
    const guard = createStreamGuard({ engine: defaultEngine, scope: {}, holdBackChars: 3, scanEveryChars: 1 });
    const answer = '🙂'.repeat(40);
    const released: string[] = [];
    for (const unit of answer.split('')) {
      const piece = await guard.push(unit);
      if (piece !== '') released.push(piece);
    }
    released.push((await guard.finish()).text);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const piece of released) expect(loneSurrogate.test(piece)).toBe(false);
    expect(released.join('')).toBe(answer);
  });

  it('with no hold-back still scans and redacts each piece it releases', async () => {
    const guard = createStreamGuard({ engine: blockingEngine, scope: {}, holdBackChars: 0, scanEveryChars: 1 });
    const { released } = await stream(guard, 'See PRJ-5678 now', 16);
    expect(released.join('')).toBe('See [PROJECT] now');
  });
});
