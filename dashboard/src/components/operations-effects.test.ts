import { describe, expect, it } from 'vitest';
import { describeFlip, describeRunbook, formatDuration } from './operations-effects.js';

describe('describeFlip', () => {
  it('says a model switched off refuses every request for it with 503', () => {
    expect(describeFlip({ scope: 'model', id: 'gpt-4o', state: 'off' })).toMatch(/^All requests for model gpt-4o will be refused with 503/);
  });

  it('says a global off switch drains: in-flight requests finish and /readyz answers 503', () => {
    const text = describeFlip({ scope: 'global', id: '*', state: 'off' });
    expect(text).toMatch(/^All new requests will be refused with 503/);
    expect(text).toContain('/readyz answers 503 (draining)');
  });

  it('names how a degrade tightens, and when an expiry lifts it', () => {
    expect(describeFlip({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: true, policy: 'strict' }, expiresInSeconds: 1800 })).toBe(
      'All requests of tenant acme will be served, tightened: every tool call in the answer refused, and policy version strict deciding them. It lifts itself after 30 minutes.',
    );
    expect(describeFlip({ scope: 'tool', id: 'send_email', state: 'degrade' })).toContain('choose how');
  });

  it('says an on flip stops this switch only, and never expires', () => {
    expect(describeFlip({ scope: 'key', id: 'k1', state: 'on', expiresInSeconds: 60 })).toBe('All requests made with the key k1 will no longer be stopped or tightened by this switch (other switches still apply).');
  });
});

describe('describeRunbook', () => {
  it('explains each move as the flip it makes, and its undo as that switch back on', () => {
    expect(describeRunbook('drain', {})).toMatch(/^All new requests will be refused with 503/);
    expect(describeRunbook('drain', { undo: true })).toMatch(/^All new requests will no longer be stopped/);
    expect(describeRunbook('freeze-key', { target: ' abcd2345 ' })).toMatch(/^All requests made with the key abcd2345 will be refused/);
    expect(describeRunbook('revoke-tools', { target: 'acme' })).toContain('every tool call in the answer refused');
    expect(describeRunbook('force-policy', { policy: 'strict' })).toMatch(/^All new requests will be served, tightened: policy version strict/);
    expect(describeRunbook('force-policy', { target: 'acme', policy: 'strict' })).toMatch(/^All requests of tenant acme/);
  });
});

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect([formatDuration(90), formatDuration(60), formatDuration(7200), formatDuration(86_400), formatDuration(1)]).toEqual(['90 seconds', '1 minute', '2 hours', '1 day', '1 second']);
  });

  it('says a degrade move adds up and its undo takes back only its own part', () => {
    expect(describeRunbook('revoke-tools', { target: 'acme' })).toMatch(/adds to what the switch already does, and is refused while the switch is off/);
    expect(describeRunbook('revoke-tools', { target: 'acme', undo: true })).toBe('Takes back tool calls on tenant acme; anything else another move set on that switch stays, and with nothing left it is back on.');
    expect(describeRunbook('force-policy', { undo: true })).toMatch(/^Takes back the forced policy on every request/);
  });
});
