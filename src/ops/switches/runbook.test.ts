import { describe, expect, it } from 'vitest';
import { runbookFlip } from './runbook.js';

describe('runbook actions', () => {
  it('maps each action to its flip', () => {
    expect(runbookFlip('disable-route', { target: 'support' })).toEqual({ scope: 'route', id: 'support', state: 'off' });
    expect(runbookFlip('disable-model', { target: 'gpt-x' })).toEqual({ scope: 'model', id: 'gpt-x', state: 'off' });
    expect(runbookFlip('disable-tool', { target: 'send_email' })).toEqual({ scope: 'tool', id: 'send_email', state: 'off' });
    expect(runbookFlip('revoke-tools', { target: 'acme' })).toEqual({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: 'disabled' } });
    expect(runbookFlip('freeze-key', { target: 'abcd2345' })).toEqual({ scope: 'key', id: 'abcd2345', state: 'off' });
    expect(runbookFlip('freeze-tenant', { target: 'acme' })).toEqual({ scope: 'tenant', id: 'acme', state: 'off' });
    expect(runbookFlip('drain', {})).toEqual({ scope: 'global', id: '*', state: 'off' });
    expect(runbookFlip('force-policy', { policy: 'strict' })).toEqual({ scope: 'global', id: '*', state: 'degrade', degrade: { policy: 'strict' } });
    expect(runbookFlip('force-policy', { target: 'acme', policy: 'strict' })).toEqual({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { policy: 'strict' } });
  });

  it('undoes an action by flipping the same switch back on', () => {
    expect(runbookFlip('drain', { undo: true })).toEqual({ scope: 'global', id: '*', state: 'on' });
    expect(runbookFlip('revoke-tools', { target: 'acme', undo: true })).toEqual({ scope: 'tenant', id: 'acme', state: 'on' });
  });

  it('refuses unknown actions, missing or superfluous targets and policies, clearly', () => {
    expect(() => runbookFlip('reboot', {})).toThrow(/unknown runbook action "reboot" \(one of disable-route/);
    expect(() => runbookFlip('freeze-key', {})).toThrow(/needs a target: the key id/);
    expect(() => runbookFlip('drain', { target: 'x' })).toThrow(/takes no target/);
    expect(() => runbookFlip('force-policy', {})).toThrow(/needs the policy version/);
    expect(() => runbookFlip('freeze-tenant', { target: 'acme', policy: 'strict' })).toThrow(/takes no policy/);
    expect(() => runbookFlip('force-policy', { target: 'acme', policy: 'strict', undo: true })).toThrow(/undo takes no policy/);
  });
});
