import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { anthropicStream, openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * The output stage of a streamed answer, end to end: a keyword the policy blocks on output stops
 * the stream mid-way without the client ever seeing it, and `streaming.hold_back_chars` decides
 * how much of the upstream's text the gateway holds before the client sees any.
 */

const keyword = 'quillfeather';
const policyYaml = `version: 1
name: e2e-stream-guard
detectors:
  custom_rules:
    config:
      rules:
        - id: codename
          keywords: [${keyword}]
rules:
  - id: codename-block-output
    detector: custom_rules
    stage: output
    action: block
`;

const smallHold = 16;
const largeHold = 256;
const scanEvery = 8;

let directory: string;
let upstream: TestUpstream;
/** `hold_back_chars` small / large; both run the policy above. */
let small: TestGateway;
let large: TestGateway;

/** Numbered five-character words ("w007 "), so a prefix of the answer is easy to recognise and count. */
function numberedWords(count: number, from = 0): string {
  return Array.from({ length: count }, (_, index) => `w${String(from + index).padStart(3, '0')} `).join('');
}

function openaiClient(gateway: TestGateway): OpenAI {
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
}

/** Reads a stream until it ends or fails: every chunk, the text of choice 0, and the error if any. */
async function drain(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; text: string; error?: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  return { chunks, text, ...(error === undefined ? {} : { error }) };
}

const finishReasons = (chunks: ChatCompletionChunk[]): (string | null)[] => chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason)).filter((reason) => reason !== null);

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'palisade-e2e-stream-'));
  const policy = join(directory, 'policy.yaml');
  writeFileSync(policy, policyYaml);
  upstream = await startTestUpstream();
  const document = (holdBackChars: number) => ({
    policy,
    streaming: { hold_back_chars: holdBackChars, scan_every_chars: scanEvery },
    providers: [{ name: 'primary', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }, { name: 'claude', type: 'anthropic', base_url: upstream.anthropicBaseUrl, retries: 0 }],
    models: [
      { name: 'test-model', providers: ['primary'] },
      { name: 'claude-test', providers: ['claude'] },
    ],
  });
  small = await startTestGateway({ document: document(smallHold), providerKeys: { claude: 'test-provider-placeholder' } });
  large = await startTestGateway({ document: document(largeHold), providerKeys: { claude: 'test-provider-placeholder' } });
});

afterAll(async () => {
  await small?.close();
  await large?.close();
  await upstream?.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => upstream.reset());

describe('an output keyword blocks a stream mid-way', () => {
  const before = `${numberedWords(40)}`;
  const answer = `${before}${keyword} ${numberedWords(100, 40)}`;
  const keywordEnd = before.length + keyword.length;

  it('sends the text before the keyword (less the hold-back), never the keyword, then content_filter', async () => {
    // After a few words past the keyword the upstream goes silent without ending: the request
    // only finishes if the gateway stops reading and closes the connection itself.
    upstream.enqueue(openaiStream({ text: answer, cut: { afterEvents: 1 + 40 + 1 + 10, then: 'hang' } }));
    const { data: stream, response } = await openaiClient(small)
      .chat.completions.create({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'Write a long list.' }] })
      .withResponse();
    const { chunks, text, error } = await drain(stream);

    expect(error).toBeUndefined();
    // Everything up to the hold-back before the keyword arrived (within one scan interval and a word), nothing after.
    expect(answer.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual(before.length - smallHold - scanEvery - 5);
    expect(text.length).toBeLessThanOrEqual(keywordEnd - smallHold);
    expect(JSON.stringify(chunks)).not.toContain('quill');
    expect(finishReasons(chunks)).toEqual(['content_filter']);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('content_filter');
    // The gateway stopped reading: the rest of the answer is not waited for, nor paid for.
    expect(await upstream.settled(0)).toBe('client_closed');

    const event = await readAuditEvent(small, requestIdOf(response));
    expect(event).toMatchObject({ status: 200, action: 'block' });
    expect(event?.data).toMatchObject({ stream: true, stream_scan: 'blocked', output: { action: 'block', rules: [{ id: 'codename-block-output' }] } });
  });

  it('stops an Anthropic stream the same way, with stop_reason refusal', async () => {
    upstream.enqueue(anthropicStream({ text: answer }));
    const client = new Anthropic({ baseURL: small.url, apiKey: small.key, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 1000, messages: [{ role: 'user', content: 'Write a long list.' }] });
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();

    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(answer.startsWith(text)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(keywordEnd - smallHold);
    expect(JSON.stringify(message)).not.toContain('quill');
    expect(message.stop_reason).toBe('refusal');
    const event = await readAuditEvent(small, requestIdOf(response));
    expect(event?.data).toMatchObject({ endpoint: 'messages', stream_scan: 'blocked', output: { action: 'block' } });
  });

  it('blocks the keyword in a whole answer too: no text, finish_reason content_filter', async () => {
    upstream.enqueue(openaiCompletion({ text: answer }));
    const { data, response } = await openaiClient(small)
      .chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'Write a long list.' }] })
      .withResponse();
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(JSON.stringify(data)).not.toContain('quill');
    expect(response.headers.get('x-palisade-decision')).toContain('output=block rules=codename-block-output');
  });

  it('lets a keyword-free answer through whole', async () => {
    const clean = numberedWords(80);
    upstream.enqueue(openaiStream({ text: clean }));
    const { data: stream, response } = await openaiClient(small)
      .chat.completions.create({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'Write a long list.' }] })
      .withResponse();
    const { chunks, text } = await drain(stream);
    expect(text).toBe(clean);
    expect(finishReasons(chunks)).toEqual(['stop']);
    const event = await readAuditEvent(small, requestIdOf(response));
    expect(event?.data).toMatchObject({ stream_scan: 'complete', output: { action: 'allow' } });
  });
});

describe('streaming.hold_back_chars', () => {
  /**
   * The upstream sends `sent` characters, then ends its stream without finishing (a cut). What
   * the client got by then is exactly what the gateway released while holding back: never
   * more than `sent - hold`, and at most one scan interval (plus a word) less.
   */
  async function releasedBeforeCut(gateway: TestGateway, words: number): Promise<{ text: string; sent: number; error: unknown }> {
    const answer = numberedWords(words + 20);
    upstream.enqueue(openaiStream({ text: answer, cut: { afterEvents: 1 + words, then: 'end' } }));
    const stream = await openaiClient(gateway).chat.completions.create({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'Count.' }] });
    const { text, error } = await drain(stream);
    expect(answer.startsWith(text)).toBe(true);
    return { text, sent: numberedWords(words).length, error };
  }

  it('with a small hold-back, releases text once more than hold_back_chars have arrived', async () => {
    const { text, sent, error } = await releasedBeforeCut(small, 12);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(sent).toBe(60);
    expect(text.length).toBeLessThanOrEqual(sent - smallHold);
    expect(text.length).toBeGreaterThanOrEqual(sent - smallHold - scanEvery - 5);
  });

  it('with a large hold-back, releases nothing while fewer than hold_back_chars have arrived', async () => {
    const { text, sent, error } = await releasedBeforeCut(large, 12);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(sent).toBeLessThan(largeHold);
    expect(text).toBe('');
  });

  it('with a large hold-back, releases the first text only after hold_back_chars have arrived', async () => {
    const { text, sent } = await releasedBeforeCut(large, 60);
    expect(sent).toBe(300);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThanOrEqual(sent - largeHold);
  });
});
