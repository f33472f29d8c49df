import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinDetectors } from '../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../detectors/detector-registry.js';
import { decideToolCall, type ToolCallCaller } from './decide-tool-call.js';
import { parsePolicy } from './load-policy.js';

/** The example policy of docs/agents.md, read from the document, so the two cannot drift apart. */
function examplePolicy(): string {
  const doc = readFileSync(new URL('../../docs/agents.md', import.meta.url), 'utf8');
  const block = /<!-- example-policy:start -->\s*```yaml\n([\s\S]*?)```\s*<!-- example-policy:end -->/.exec(doc)?.[1];
  if (block === undefined) throw new Error('docs/agents.md has no example policy block');
  return block;
}

describe('the worked example in docs/agents.md', () => {
  const tools = parsePolicy({ text: examplePolicy(), file: 'docs/agents.md', registry: createDetectorRegistry(builtinDetectors) }).tools;
  const acme: ToolCallCaller = { tenant: 'acme', scopes: ['inference'], tainted: false };
  const decide = (name: string, args: unknown, caller: ToolCallCaller = acme) => decideToolCall({ policy: tools, name, arguments: JSON.stringify(args), caller });

  it('behaves as the document says', () => {
    expect(decide('search_kb', { query: 'refund window' })).toMatchObject({ verdict: 'allow' });
    expect(decide('fetch_page', { url: 'http://169.254.169.254/latest/meta-data/' })).toMatchObject({ verdict: 'deny', reason: 'argument_rule' });
    expect(decide('refund_order', { order_id: 'ORD-123456', amount: 40 })).toMatchObject({ verdict: 'approval', reasons: ['irreversible'] });
    expect(decide('delete_account', { id: 1 })).toMatchObject({ verdict: 'deny', reason: 'unlisted' });
    expect(decide('run_script', {})).toMatchObject({ verdict: 'deny', reason: 'disabled' });
    const tainted = { ...acme, tainted: true };
    expect(decide('create_ticket', { title: 'x' }, tainted)).toMatchObject({ verdict: 'approval', reasons: ['tainted'] });
    expect(decide('refund_order', { order_id: 'ORD-123456', amount: 40 }, tainted)).toMatchObject({ verdict: 'deny', reason: 'tainted_irreversible' });
    expect(decide('refund_order', { order_id: 'ORD-1', amount: 40 })).toMatchObject({ verdict: 'deny', reason: 'invalid_arguments' });
    expect(decide('refund_order', { order_id: 'ORD-123456', amount: 40 }, { ...acme, tenant: 'globex' })).toMatchObject({ verdict: 'deny', reason: 'tenant_not_allowed' });
  });
});
