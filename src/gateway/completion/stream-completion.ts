import { PalisadeError, isPalisadeError } from '../../core/errors.js';
import type { Decision } from '../../core/decision.js';
import type { GuardEngine } from '../../pipeline/guard-engine.js';
import type { GuardInput } from '../../pipeline/guard-input.js';
import { createStreamGuard, type StreamGuard } from '../../pipeline/stream-guard.js';
import type { PolicyScope } from '../../policy/policy.js';
import type { UpstreamEvent } from '../upstream/provider.js';
import { createAnthropicStreamWriter } from '../wire/anthropic-stream-writer.js';
import type { FinishReason, StreamEvent, StreamWriter, ToolCall, Usage } from '../wire/canonical.js';
import { createOpenAIStreamWriter } from '../wire/openai-stream-writer.js';
import { parseAnthropicStream } from '../wire/parse-anthropic-stream.js';
import { parseOpenAIStream } from '../wire/parse-openai-stream.js';
import { renderStreamError } from '../wire/render-stream-error.js';
import { checkTurn } from './check-turn.js';
import { gateToolCalls, type ToolCallContext, type ToolGate } from './gate-tool-calls.js';
import type { CompletionRequest, WireFormat } from './completion-request.js';
import { mergeDecisions } from './merge-decisions.js';

/** Where the client's stream goes; `write` waits while the socket is saturated. */
export interface StreamSink {
  write(text: string): Promise<void>;
}

export interface StreamCompletionOptions {
  request: CompletionRequest;
  engine: GuardEngine;
  scope: PolicyScope;
  /** The upstream's events, in the provider's format. */
  events: AsyncIterable<UpstreamEvent>;
  providerFormat: WireFormat;
  sink: StreamSink;
  holdBackChars: number;
  scanEveryChars: number;
  signal: AbortSignal;
  /** Writes the audit event (durably) before the stream's closing frames are sent. */
  finalize: () => Promise<void>;
  /** Tool gating for the calls the model proposes. */
  tools: { gate: ToolGate; context: ToolCallContext };
}

interface Choice {
  guard: StreamGuard;
  tools: ToolCall[];
  done: boolean;
  /** How the choice ended; its `finish` frame is sent only once the audit event is durable. */
  reason?: FinishReason;
}

/**
 * The output stage for a streamed answer, between the upstream's events and the client: text
 * passes each choice's stream guard (hold-back, rescans, redaction, unmasking); tool calls are
 * held until their choice finishes and are checked whole; a block finishes the choice with
 * `content_filter` and, once every choice is stopped, stops reading the upstream. The audit
 * event is durable before the closing frames (`[DONE]`, `message_stop`) are sent.
 */
export async function streamCompletion(options: StreamCompletionOptions): Promise<void> {
  const { request, sink } = options;
  const unmaskWith = request.input?.vault;
  const choices = new Map<number, Choice>();
  const checks: { input: GuardInput; decision: Decision }[] = [];
  let writer: StreamWriter | undefined;
  let usage: Usage | undefined;
  let late = 0;

  const choiceOf = (index: number): Choice => {
    let choice = choices.get(index);
    if (choice === undefined) {
      const guard = createStreamGuard({
        engine: options.engine,
        scope: options.scope,
        holdBackChars: options.holdBackChars,
        scanEveryChars: options.scanEveryChars,
        ...(unmaskWith === undefined ? {} : { unmaskWith }),
        ...(request.outputContext === undefined ? {} : { request: request.outputContext }),
      });
      choices.set(index, (choice = { guard, tools: [], done: false }));
    }
    return choice;
  };
  const emit = async (event: StreamEvent): Promise<void> => {
    if (writer === undefined) writer = openWriter({ id: `${options.request.format === 'openai' ? 'chatcmpl' : 'msg'}-${request.id}`, model: request.parsed?.request.model ?? '', created: request.created });
    const text = writer.write(event);
    if (text !== '') await sink.write(text);
  };
  const openWriter = (start: { id: string; model: string; created: number }): StreamWriter =>
    request.format === 'openai'
      ? createOpenAIStreamWriter({ ...start, includeUsage: request.parsed?.format === 'openai' && request.parsed.request.stream_options?.include_usage === true })
      : createAnthropicStreamWriter({ id: start.id, model: start.model, ...(request.estimatedTokens === undefined ? {} : { inputTokens: request.estimatedTokens }) });

  async function finishChoice(index: number, reason: FinishReason): Promise<void> {
    const choice = choiceOf(index);
    if (choice.done) return;
    choice.done = true;
    const finished = await choice.guard.finish();
    late += finished.lateFindings;
    if (finished.checkedText !== '' || choice.tools.length === 0) checks.push({ input: { text: finished.checkedText, source: 'model' }, decision: finished.decision });
    if (finished.text !== '') await emit({ type: 'text', choice: index, delta: finished.text });
    let blocked = finished.blocked !== undefined;
    if (!blocked && choice.tools.length > 0) {
      const checked = await checkTurn({ engine: options.engine, turn: { text: '', toolCalls: choice.tools, finishReason: reason }, scope: options.scope, ...(unmaskWith === undefined ? {} : { unmask: unmaskWith }), ...(request.outputContext === undefined ? {} : { request: request.outputContext }) });
      checks.push({ input: { messages: [{ role: 'assistant', content: '', tool_calls: choice.tools.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }] }, decision: checked.decision });
      blocked = checked.turn.finishReason === 'content_filter';
      if (!blocked) {
        const gated = await gateToolCalls({ policy: options.engine.policy.tools, gate: options.tools.gate, calls: checked.turn.toolCalls, context: options.tools.context });
        (request.toolCalls ??= []).push(...gated.records);
        blocked = gated.blocked;
        if (!blocked) {
          if (gated.explanations.length > 0) await emit({ type: 'text', choice: index, delta: `${finished.text === '' && choice.guard.text === '' ? '' : '\n\n'}${gated.explanations.join('\n\n')}` });
          for (const [position, call] of gated.calls.entries()) {
            await emit({ type: 'tool-call-start', choice: index, index: position, id: call.id, name: call.name, ...(call.authorization === undefined ? {} : { authorization: call.authorization }) });
            await emit({ type: 'tool-call-delta', choice: index, index: position, argumentsDelta: call.arguments });
          }
          // With no call left, the model's turn is over: a client must not wait for tool results.
          if (gated.calls.length === 0 && reason === 'tool_calls') reason = 'stop';
        }
      }
    }
    choice.reason = blocked ? 'content_filter' : reason;
  }

  const record = (scan: CompletionRequest['streamScan']): void => {
    request.streamScan = scan;
    request.answerChecks = checks;
    const merged = mergeDecisions(checks.map((check) => check.decision));
    if (merged !== undefined) request.output = merged;
    if (usage !== undefined) request.usage = usage;
    if (late > 0) request.lateFindings = late;
  };

  const parsed = options.providerFormat === 'openai' ? parseOpenAIStream(options.events) : parseAnthropicStream(options.events, { created: request.created });
  let failure: PalisadeError | undefined;
  try {
    for await (const event of parsed) {
      if (event.type === 'start') {
        writer ??= openWriter(event);
        await emit(event);
      } else if (event.type === 'text') {
        const choice = choiceOf(event.choice);
        if (choice.done) continue;
        const released = await choice.guard.push(request.restoreOutput === undefined ? event.delta : request.restoreOutput(event.delta));
        if (released !== '') await emit({ type: 'text', choice: event.choice, delta: released });
        if (choice.guard.blocked !== undefined) await finishChoice(event.choice, 'content_filter');
      } else if (event.type === 'tool-call-start') {
        choiceOf(event.choice).tools[event.index] = { id: event.id, name: event.name, arguments: '' };
      } else if (event.type === 'tool-call-delta') {
        const call = choiceOf(event.choice).tools[event.index];
        if (call !== undefined) call.arguments += event.argumentsDelta;
      } else if (event.type === 'finish') {
        await finishChoice(event.choice, event.reason);
      } else if (event.type === 'usage') {
        usage = event.usage;
      }
      // Every choice stopped by the policy: nothing more will be sent, so stop paying for it.
      if (choices.size > 0 && [...choices.values()].every((choice) => choice.done && choice.guard.blocked !== undefined)) break;
    }
    for (const [index, choice] of choices) if (!choice.done) await finishChoice(index, 'stop');
    record([...choices.values()].some((choice) => choice.guard.blocked !== undefined) ? 'blocked' : 'complete');
  } catch (error) {
    if (options.signal.aborted) {
      record('client_closed');
      request.status = 499;
      await options.finalize();
      return;
    }
    // The upstream broke off: what was sent had been scanned, and the held-back rest is never sent.
    const upstreamFailed = isPalisadeError(error) && error.code.startsWith('upstream');
    failure = isPalisadeError(error) ? error : new PalisadeError('internal_error', 'the answer could not be checked; the stream was stopped');
    request.errorCode = failure.code;
    record(upstreamFailed ? 'upstream_failed' : 'failed');
  }

  // The answer counts as finished only once its audit event is durable: the finish frames and the
  // stream terminator wait for it, and a failed audit write ends the stream with an error instead.
  try {
    await options.finalize();
  } catch (error) {
    failure ??= isPalisadeError(error) ? error : new PalisadeError('unavailable', 'the audit log is unavailable, so the answer was not completed', { retryAfter: 1 });
    request.errorCode = failure.code;
  }
  if (failure !== undefined) {
    await sink.write(renderStreamError(request.format, failure, request.id)).catch(() => {});
    return;
  }
  for (const [index, choice] of [...choices].sort(([a], [b]) => a - b)) await emit({ type: 'finish', choice: index, reason: choice.reason ?? 'stop' });
  if (usage !== undefined) await emit({ type: 'usage', usage });
  await emit({ type: 'end' });
}
