import { describe, expect, it } from 'vitest';
import { runbookFlip } from './runbook.js';

describe('runbook actions', () => {
  it('maps each action to its flip on a switch that is on', () => {
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

  it('adds actions that share a switch, and undoes only its own part', () => {
    const revoked = runbookFlip('revoke-tools', { target: 'acme' });
    const both = runbookFlip('force-policy', { target: 'acme', policy: 'strict' }, revoked);
    expect(both).toEqual({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: 'disabled', policy: 'strict' } });
    // Taking the forced policy back keeps the tools revoked.
    expect(runbookFlip('force-policy', { target: 'acme', undo: true }, both)).toEqual({ scope: 'tenant', id: 'acme', state: 'degrade', degrade: { tools: 'disabled' } });
    // And the last part taken back turns the switch on.
    expect(runbookFlip('revoke-tools', { target: 'acme', undo: true }, revoked)).toEqual({ scope: 'tenant', id: 'acme', state: 'on' });
    // A freeze over a degrade is off; undoing the freeze turns the switch on.
    expect(runbookFlip('freeze-tenant', { target: 'acme' }, both)).toEqual({ scope: 'tenant', id: 'acme', state: 'off' });
    expect(runbookFlip('freeze-tenant', { target: 'acme', undo: true }, { state: 'off' })).toEqual({ scope: 'tenant', id: 'acme', state: 'on' });
  });

  it('never lets one action lift another: a degrade on a switch that is off is refused, and so is an undo with nothing to undo', () => {
    // During a drain, forcing a policy would serve requests again.
    expect(() => runbookFlip('force-policy', { policy: 'strict' }, { state: 'off' })).toThrow(/the deployment is switched off .* undo the off action first/);
    expect(() => runbookFlip('revoke-tools', { target: 'acme' }, { state: 'off' })).toThrow(/tenant acme is switched off/);
    expect(() => runbookFlip('force-policy', { target: 'acme', undo: true }, { state: 'off' })).toThrow(/would lift that/);
    expect(() => runbookFlip('freeze-tenant', { target: 'acme', undo: true }, { state: 'degrade', degrade: { tools: 'disabled' } })).toThrow(/not switched off, so there is no freeze-tenant to undo/);
    expect(() => runbookFlip('drain', { undo: true })).toThrow(/no drain to undo/);
    expect(() => runbookFlip('revoke-tools', { target: 'acme', undo: true }, { state: 'degrade', degrade: { policy: 'x' } })).toThrow(/does not have its tools disabled/);
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
