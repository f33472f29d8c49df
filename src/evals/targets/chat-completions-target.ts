import { z } from 'zod';
import type { EvalCase, TargetResponse } from '../eval-case.js';
import type { EvalTarget } from './eval-target.js';

/** Only the fields read: the answer, how it finished, and an error envelope. */
const completionSchema = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string().nullable().optional() }).loose(), finish_reason: z.string().nullable().optional() }).loose()).min(1) }).loose();
const errorSchema = z.object({ error: z.object({ code: z.string().nullable().optional(), message: z.string().optional() }).loose() }).loose();

/** Palisade's refusals of content; anything else that fails is the target failing, not blocking. */
const blockingCodes = new Set(['content_blocked', 'content_held', 'content_filter']);

/**
 * An OpenAI-compatible chat completions endpoint: a running Palisade gateway (`palisade: true`:
 * its `x-palisade-decision` header is read too) or any other (then the measure is the model
 * plus whatever guards it has). A block is Palisade's content error or `finish_reason:
 * content_filter`; a 5xx, a timeout or an unreadable answer is an error, never a pass.
 */
export function createChatCompletionsTarget(options: { baseUrl: string; apiKey?: string; model: string; palisade: boolean; timeoutMs?: number; maxTokens?: number }): EvalTarget {
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    name: `${options.palisade ? 'gateway' : 'openai'}:${options.baseUrl}#${options.model}`,
    hasModel: true,
    async send(evalCase: EvalCase, { signal }): Promise<TargetResponse> {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }) },
          body: JSON.stringify({ model: options.model, messages: evalCase.messages, max_tokens: options.maxTokens ?? 512, ...(evalCase.tools === undefined ? {} : { tools: evalCase.tools }) }),
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        return { blocked: false, text: '', status: 0, error: `request failed: ${error instanceof Error ? error.message : String(error)}`, latencyMs: elapsed() };
      }
      const header = response.headers.get('x-palisade-decision');
      const decision = options.palisade && header !== null ? parseDecisionHeader(header) : undefined;
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        return { blocked: false, text: '', status: response.status, error: `HTTP ${response.status} with a body that is not JSON`, latencyMs: elapsed() };
      }
      if (!response.ok) {
        const failure = errorSchema.safeParse(body);
        const code = failure.success ? (failure.data.error.code ?? '') : '';
        if (response.status < 500 && blockingCodes.has(code)) return { blocked: true, text: '', status: response.status, ...(decision === undefined ? {} : { decision }), latencyMs: elapsed() };
        return { blocked: false, text: '', status: response.status, error: `HTTP ${response.status}${code === '' ? '' : ` ${code}`}`, latencyMs: elapsed() };
      }
      const completion = completionSchema.safeParse(body);
      if (!completion.success) return { blocked: false, text: '', status: response.status, error: 'the answer is not a chat completion', latencyMs: elapsed() };
      const choice = completion.data.choices[0];
      return {
        blocked: choice?.finish_reason === 'content_filter',
        text: choice?.message.content ?? '',
        status: response.status,
        ...(decision === undefined ? {} : { decision }),
        latencyMs: elapsed(),
      };
    },
  };
}

/** `input=block rules=a,b output=redact rules=c` → the strictest action and its rules. */
function parseDecisionHeader(header: string): { action: string; categories: string[]; rules: string[] } {
  const actions = [...header.matchAll(/(?:input|output)=(\w+)/g)].map((match) => match[1] as string);
  const rules = [...header.matchAll(/rules=([^\s]+)/g)].flatMap((match) => (match[1] as string).split(','));
  const order = ['allow', 'warn', 'mask', 'redact', 'require_approval', 'escalate', 'block'];
  const action = actions.sort((a, b) => order.indexOf(b) - order.indexOf(a))[0] ?? 'allow';
  return { action, categories: [], rules };
}
