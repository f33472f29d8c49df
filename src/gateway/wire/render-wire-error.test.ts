import { APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import { APIError as OpenAIAPIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { errorStatus, PalisadeError, type ErrorCode } from '../../core/errors.js';
import { errorWireTypes, renderAnthropicError, renderOpenAIError } from './render-wire-error.js';
import { anthropicClientAnswering, openAIClientAnswering } from './test-support/sdk-clients.js';

const codes = Object.keys(errorStatus) as ErrorCode[];

async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('error rendering', () => {
  it('maps every error code', () => {
    expect(Object.keys(errorWireTypes).sort()).toEqual([...codes].sort());
  });

  it.each(codes)('renders %s in the OpenAI envelope, read by the OpenAI SDK', async (code) => {
    const error = new PalisadeError(code, 'Something specific went wrong.', { details: [{ message: 'no path' }, { path: 'messages[1].content', message: 'bad' }] });
    const rendered = renderOpenAIError(error);
    expect(rendered.status).toBe(errorStatus[code]);
    expect(rendered.body).toEqual({ error: { message: 'Something specific went wrong.', type: errorWireTypes[code].openai, param: 'messages[1].content', code } });
    const { client } = openAIClientAnswering({ status: rendered.status, body: JSON.stringify(rendered.body), headers: rendered.headers });
    const sdkError = await thrown(() => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
    expect(sdkError).toBeInstanceOf(OpenAIAPIError);
    expect(sdkError).toMatchObject({ status: errorStatus[code], type: errorWireTypes[code].openai, code, param: 'messages[1].content' });
  });

  it.each(codes)('renders %s in the Anthropic body, read by the Anthropic SDK', async (code) => {
    const error = new PalisadeError(code, 'Something specific went wrong.');
    const rendered = renderAnthropicError(error, { requestId: 'req_1' });
    expect(rendered.status).toBe(errorStatus[code]);
    expect(rendered.body).toEqual({ type: 'error', error: { type: errorWireTypes[code].anthropic, message: 'Something specific went wrong.' }, request_id: 'req_1' });
    const { client } = anthropicClientAnswering({ status: rendered.status, body: JSON.stringify(rendered.body) });
    const sdkError = await thrown(() => client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
    expect(sdkError).toBeInstanceOf(AnthropicAPIError);
    expect((sdkError as AnthropicAPIError).status).toBe(errorStatus[code]);
    expect((sdkError as AnthropicAPIError).error).toEqual(rendered.body);
  });

  it('uses Anthropic and OpenAI words where they differ', () => {
    expect(errorWireTypes.payload_too_large.anthropic).toBe('request_too_large');
    expect(errorWireTypes.upstream_unavailable.anthropic).toBe('overloaded_error');
    expect(errorWireTypes.upstream_timeout.anthropic).toBe('timeout_error');
    expect(errorWireTypes.rate_limited).toEqual({ openai: 'rate_limit_error', anthropic: 'rate_limit_error' });
    expect(errorWireTypes.unauthenticated).toEqual({ openai: 'authentication_error', anthropic: 'authentication_error' });
  });

  it('gives param null without a path, and retry-after when the error has one', () => {
    const rendered = renderOpenAIError(new PalisadeError('rate_limited', 'Slow down.', { retryAfter: 1.2 }));
    expect((rendered.body.error as { param: unknown }).param).toBeNull();
    expect(rendered.headers).toEqual({ 'retry-after': '2' });
    expect(renderAnthropicError(new PalisadeError('rate_limited', 'Slow down.', { retryAfter: 3 })).headers).toEqual({ 'retry-after': '3' });
    expect(renderAnthropicError(new PalisadeError('not_found', 'No such model.')).body.request_id).toBeNull();
  });
});
