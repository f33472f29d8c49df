import { trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import { builtinDetectors } from '../../detectors/builtin-detectors.js';
import { createDetectorRegistry } from '../../detectors/detector-registry.js';
import { createGuardEngine, type GuardEngine } from '../../pipeline/guard-engine.js';
import { loadDefaultPolicy } from '../../policy/load-policy.js';
import { createMemoryApprovalStore } from '../../tools/memory-approval-store.js';
import { createMemoryToolBudgetStore } from '../../tools/memory-tool-budget-store.js';
import { generateToolSigningKey, loadToolSigningKey } from '../../tools/tool-signing-key.js';
import type { UpstreamEvent } from '../upstream/provider.js';
import type { CompletionRequest } from './completion-request.js';
import { streamCompletion } from './stream-completion.js';

let engine: GuardEngine;

beforeAll(async () => {
  engine = createGuardEngine({ policy: await loadDefaultPolicy(createDetectorRegistry(builtinDetectors)) });
});

/** An OpenAI-compatible upstream stream: a role chunk, the text in pieces, a finish chunk, `[DONE]`. */
async function* upstream(text: string): AsyncIterable<UpstreamEvent> {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): UpstreamEvent => ({
    data: JSON.stringify({ id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] }),
  });
  yield chunk({ role: 'assistant', content: '' });
  for (const piece of text.match(/.{1,10}/g) ?? []) yield chunk({ content: piece });
  yield chunk({}, 'stop');
  yield { data: '[DONE]' };
}

function completionRequest(format: 'openai' | 'anthropic'): CompletionRequest {
  return { id: 'req-1', format, endpoint: format === 'openai' ? 'chat.completions' : 'messages', started: 0, created: 1, span: trace.getTracer('test').startSpan('test'), stream: true };
}

/** Runs a stream; `log` holds every frame written and the moment the audit event was written. */
async function run(options: { format: 'openai' | 'anthropic'; text: string; audit: 'ok' | 'fails'; events?: AsyncIterable<UpstreamEvent> }): Promise<{ log: string[]; request: CompletionRequest }> {
  const log: string[] = [];
  const request = completionRequest(options.format);
  await streamCompletion({
    request,
    engine,
    scope: {},
    events: options.events ?? upstream(options.text),
    providerFormat: 'openai',
    sink: { write: async (text) => void log.push(text) },
    holdBackChars: 16,
    scanEveryChars: 8,
    signal: new AbortController().signal,
    finalize: async () => {
      if (options.audit === 'fails') throw new Error('disk full');
      log.push('AUDIT');
    },
    tools: {
      gate: { signingKey: loadToolSigningKey(generateToolSigningKey()), approvals: createMemoryApprovalStore(), budgets: createMemoryToolBudgetStore() },
      context: { caller: { tenant: 't', scopes: ['inference'], tainted: false }, keyId: 'k', requestId: 'req-1', now: new Date(), budgetsOnError: 'closed' },
    },
  });
  return { log, request };
}

describe('streamCompletion', () => {
  it('sends the finish frame and the terminator only after the audit event is durable (OpenAI)', async () => {
    const { log } = await run({ format: 'openai', text: 'A short and harmless answer about the weather.', audit: 'ok' });
    const audit = log.indexOf('AUDIT');
    expect(audit).toBeGreaterThan(0);
    // The text itself is not held for the audit: only the end of the answer is.
    expect(log.slice(0, audit).join('')).toMatch(/"content":"[^"]+"/);
    expect(log.slice(0, audit).join('')).not.toMatch(/"finish_reason":"stop"|\[DONE\]/);
    expect(log.slice(audit).join('')).toMatch(/"finish_reason":"stop"[\s\S]*data: \[DONE\]/);
  });

  it('sends message_delta and message_stop only after the audit event is durable (Anthropic)', async () => {
    const { log } = await run({ format: 'anthropic', text: 'A short and harmless answer about the weather.', audit: 'ok' });
    const audit = log.indexOf('AUDIT');
    expect(log.slice(0, audit).join('')).not.toMatch(/message_delta|message_stop/);
    expect(log.slice(audit).join('')).toMatch(/"stop_reason":"end_turn"[\s\S]*event: message_stop/);
  });

  it('ends with an error event, never a finish, when the audit event cannot be written', async () => {
    for (const format of ['openai', 'anthropic'] as const) {
      const { log, request } = await run({ format, text: 'A short and harmless answer about the weather.', audit: 'fails' });
      const all = log.join('');
      expect(all, format).not.toMatch(/"finish_reason":"stop"|\[DONE\]|message_stop|"stop_reason":"/);
      expect(log.at(-1), format).toMatch(format === 'openai' ? /^data: \{"error":\{.*"code":"unavailable"/ : /^event: error\ndata: .*"type":"error"/);
      expect(request.errorCode).toBe('unavailable');
      expect(request.streamScan).toBe('complete');
    }
  });

  it('records a stream the upstream broke off as upstream_failed, audits it, and ends with the error', async () => {
    async function* broken(): AsyncIterable<UpstreamEvent> {
      let sent = 0;
      for await (const event of upstream('Part of an answer that the upstream will never finish sending.')) {
        if (sent++ === 4) throw new PalisadeError('upstream_error', 'upstream "u" closed the stream before it ended');
        yield event;
      }
    }
    const { log, request } = await run({ format: 'openai', text: '', audit: 'ok', events: broken() });
    expect(request.streamScan).toBe('upstream_failed');
    expect(request.errorCode).toBe('upstream_error');
    expect(log).toContain('AUDIT');
    expect(log.at(-1)).toMatch(/^data: \{"error":\{.*"code":"upstream_error"/);
    expect(log.join('')).not.toMatch(/"finish_reason":"stop"|\[DONE\]/);
  });
});
