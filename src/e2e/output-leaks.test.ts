import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { anthropicMessage, anthropicStream, openaiCompletion, openaiStream, type JsonReply, type SseEvent, type StreamReply } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * Nothing the model wrote reaches the client unchecked, whole answers included: a card number or
 * a credential in the reasoning (`reasoning_content`, `reasoning`, Anthropic thinking) is
 * redacted there as in the answer; logprobs, which spell the text token by token, are withheld
 * from any choice the output stage changed or blocked, and kept for a clean one; blocks of types
 * Palisade cannot read are removed. Streams are rendered from checked events only, so reasoning
 * deltas do not reach the client either.
 */

const card = '4111 1111 1111 1111';
const cardDigits = /4111|1111/;
/** Generated per run: no key-like string is committed. */
const secret = `ghp_${randomBytes(18).toString('hex')}`;
const keyword = 'quillfeather';
const policyYaml = `version: 1
name: e2e-output-leaks
detectors:
  pii:
    on_error: closed
  secrets:
    on_error: closed
  custom_rules:
    config:
      rules:
        - id: codename
          keywords: [${keyword}]
core:
  - id: secrets-never-pass
    detector: secrets
    min_score: 0.5
    action: redact
rules:
  - id: pii-redact-output
    category: [pii.credit_card]
    stage: output
    min_score: 0.5
    action: redact
  - id: codename-block-output
    detector: custom_rules
    stage: output
    action: block
`;

let directory: string;
let upstream: TestUpstream;
let gateway: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

/** What some OpenAI-compatible servers (vLLM, DeepSeek, OpenRouter) add to the message. */
interface ReasoningMessage {
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/** Logprobs for these tokens, each its own only alternative. */
function logprobsOf(tokens: readonly string[]): NonNullable<ChatCompletion.Choice['logprobs']> {
  const entry = (token: string) => ({ token, logprob: -0.25, bytes: [...Buffer.from(token)] });
  return { content: tokens.map((token) => ({ ...entry(token), top_logprobs: [entry(token)] })), refusal: null };
}

/** A whole OpenAI answer with reasoning fields and logprobs added to its one choice. */
function openaiAnswer(options: { text: string; reasoning: string; tokens: readonly string[] }): JsonReply {
  const reply = openaiCompletion({ text: options.text });
  const body = reply.body as { choices: { message: Record<string, unknown>; logprobs: unknown }[] };
  const [choice] = body.choices;
  if (choice === undefined) throw new Error('openaiCompletion gave no choice');
  choice.message.reasoning_content = options.reasoning;
  choice.message.reasoning = options.reasoning;
  choice.logprobs = logprobsOf(options.tokens);
  return reply;
}

/** A whole Anthropic answer with a thinking block (and any other blocks) before its text. */
function anthropicAnswer(options: { text: string; before: readonly Record<string, unknown>[] }): JsonReply {
  const reply = anthropicMessage({ text: options.text });
  const body = reply.body as { content: unknown[] };
  body.content = [...options.before, ...body.content];
  return reply;
}

/** The tokens of a text as a model might split it: words with their leading space, digits in fours. */
const tokensOf = (text: string): string[] => text.match(/ ?\d{1,4}| ?[^\s\d]+/g) ?? [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'palisade-e2e-leaks-'));
  const policy = join(directory, 'policy.yaml');
  writeFileSync(policy, policyYaml);
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      policy,
      providers: [
        { name: 'compatible', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 },
        { name: 'claude', type: 'anthropic', base_url: upstream.anthropicBaseUrl, retries: 0 },
      ],
      models: [
        { name: 'reasoner', providers: ['compatible'] },
        { name: 'claude-test', providers: ['claude'] },
      ],
    },
    providerKeys: { claude: 'test-provider-placeholder' },
  });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gateway.url, apiKey: gateway.key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => upstream.reset());

const ask = { model: 'reasoner', logprobs: true, top_logprobs: 1, messages: [{ role: 'user' as const, content: 'Which card do I have on file?' }] };
const question = { model: 'claude-test', max_tokens: 1000, messages: [{ role: 'user' as const, content: 'Which card do I have on file?' }] };

describe('OpenAI SDK: reasoning and logprobs of a whole answer', () => {
  it('redacts a card number in the answer, reasoning_content and reasoning, and withholds the logprobs that spell it', async () => {
    const text = `Your card is ${card}.`;
    upstream.enqueue(openaiAnswer({ text, reasoning: `The card on file is ${card}, read it out.`, tokens: tokensOf(text) }));
    const { data, response } = await openai.chat.completions.create(ask).withResponse();

    expect(JSON.stringify(data)).not.toMatch(cardDigits);
    const choice = data.choices[0];
    const message = choice?.message as (ChatCompletion.Choice['message'] & ReasoningMessage) | undefined;
    expect(message?.content).toMatch(/^Your card is \[[A-Z_]+\]\.$/);
    expect(message?.reasoning_content).toMatch(/^The card on file is \[[A-Z_]+\], read it out\.$/);
    expect(message?.reasoning).toBe(message?.reasoning_content);
    expect(choice?.logprobs).toBeNull();
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact rules=pii-redact-output');

    // The audit log says where each finding was: the answer is message 0, the other texts message 1.
    const event = await readAuditEvent(gateway, requestIdOf(response));
    const findings = (event?.data.output as { findings: { message?: number; field?: string }[] }).findings;
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ message: 0, field: 'content' }), expect.objectContaining({ message: 1, field: 'content[0].text' })]));
  });

  it('redacts a credential that only the reasoning holds', async () => {
    const text = 'I have set up the deployment for you.';
    upstream.enqueue(openaiAnswer({ text, reasoning: `I will use the token ${secret} to deploy.`, tokens: tokensOf(text) }));
    const { data, response } = await openai.chat.completions.create(ask).withResponse();

    expect(JSON.stringify(data)).not.toContain(secret.slice(4));
    const message = data.choices[0]?.message as ChatCompletion.Choice['message'] & ReasoningMessage;
    expect(message.content).toBe(text);
    expect(message.reasoning_content).toMatch(/^I will use the token \[[A-Z_]+\] to deploy\.$/);
    // The choice changed, so its logprobs go with it, clean as they were.
    expect(data.choices[0]?.logprobs).toBeNull();
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact rules=secrets-never-pass');
  });

  it('withholds logprobs whose tokens alone spell a card number', async () => {
    const text = 'Your card is on file.';
    upstream.enqueue(openaiAnswer({ text, reasoning: 'Nothing to add.', tokens: tokensOf(`Your card is ${card}.`) }));
    const data = await openai.chat.completions.create(ask);

    expect(JSON.stringify(data)).not.toMatch(cardDigits);
    expect(data.choices[0]?.message.content).toBe(text);
    expect(data.choices[0]?.logprobs).toBeNull();
  });

  it('blocks the whole answer over a keyword in the reasoning, leaking nothing through logprobs', async () => {
    const text = `Your card is ${card}.`;
    upstream.enqueue(openaiAnswer({ text, reasoning: `Project ${keyword} says to share ${card}.`, tokens: tokensOf(text) }));
    const { data, response } = await openai.chat.completions.create(ask).withResponse();

    const raw = JSON.stringify(data);
    expect(raw).not.toMatch(cardDigits);
    expect(raw).not.toContain('quill');
    const choice = data.choices[0];
    expect(choice?.finish_reason).toBe('content_filter');
    expect(choice?.message.content).toBe('');
    expect(choice?.message).not.toHaveProperty('reasoning_content');
    expect(choice?.logprobs).toBeNull();
    expect(response.headers.get('x-palisade-decision')).toMatch(/output=block rules=.*codename-block-output/);
  });

  it('keeps the logprobs and reasoning of a clean answer as the upstream sent them', async () => {
    const text = 'Paris is the capital of France.';
    const reply = openaiAnswer({ text, reasoning: 'A geography question.', tokens: tokensOf(text) });
    upstream.enqueue(reply);
    const { data, response } = await openai.chat.completions.create({ ...ask, messages: [{ role: 'user', content: 'Capital of France?' }] }).withResponse();

    const sent = (reply.body as { choices: ChatCompletion.Choice[] }).choices[0];
    expect(data.choices[0]?.logprobs).toEqual(sent?.logprobs);
    expect(data.choices[0]?.logprobs?.content?.map((entry) => entry.token).join('')).toBe(text);
    expect((data.choices[0]?.message as ReasoningMessage).reasoning_content).toBe('A geography question.');
    expect(response.headers.get('x-palisade-decision')).toBeNull();
  });
});

describe('Anthropic SDK: thinking and other blocks of a whole answer', () => {
  it('redacts a card number and a credential in a thinking block, keeping its signature', async () => {
    upstream.enqueue(
      anthropicAnswer({
        text: 'You have a card on file.',
        before: [{ type: 'thinking', thinking: `Card ${card}; deploy token ${secret}.`, signature: 'c2lnbmF0dXJlLWZvci10ZXN0' }],
      }),
    );
    const { data, response } = await anthropic.messages.create(question).withResponse();

    const raw = JSON.stringify(data);
    expect(raw).not.toMatch(cardDigits);
    expect(raw).not.toContain(secret.slice(4));
    const [thinking, text] = data.content;
    expect(thinking?.type === 'thinking' ? thinking.thinking : undefined).toMatch(/^Card \[[A-Z_]+\]; deploy token \[[A-Z_]+\]\.$/);
    expect(thinking?.type === 'thinking' ? thinking.signature : undefined).toBe('c2lnbmF0dXJlLWZvci10ZXN0');
    expect(text).toMatchObject({ type: 'text', text: 'You have a card on file.' });
    expect(response.headers.get('x-palisade-decision')).toContain('output=redact');
  });

  it('withholds the thinking of a blocked answer, and removes blocks of types it cannot read', async () => {
    upstream.enqueue(
      anthropicAnswer({
        text: `The ${keyword} plan is ready.`,
        before: [
          { type: 'thinking', thinking: `Use ${card}.`, signature: 'c2lnbmF0dXJl' },
          { type: 'redacted_thinking', data: 'ZW5jcnlwdGVkLWZvci10ZXN0' },
        ],
      }),
      anthropicAnswer({ text: 'All done.', before: [{ type: 'scratchpad_note', note: `Card ${card} kept for later.` }] }),
    );
    const blocked = await anthropic.messages.create(question).withResponse();
    const raw = JSON.stringify(blocked.data);
    expect(raw).not.toMatch(cardDigits);
    expect(raw).not.toContain('quill');
    expect(blocked.data.stop_reason).toBe('refusal');
    // A refused answer carries no reasoning, not even the encrypted kind.
    expect(blocked.data.content).toEqual([{ type: 'text', text: '' }]);

    const unknown = await anthropic.messages.create(question).withResponse();
    expect(JSON.stringify(unknown.data)).not.toMatch(cardDigits);
    expect(unknown.data.content).toEqual([{ type: 'text', text: 'All done.' }]);
    // The withheld block is named in the audit event, never its text.
    const event = await readAuditEvent(gateway, requestIdOf(unknown.response));
    expect(event?.data.removed_fields).toEqual([expect.stringContaining('content[0]')]);
    expect(JSON.stringify(event)).not.toMatch(cardDigits);
  });
});

describe('streams: reasoning deltas never reach the client unchecked (today they are not forwarded at all)', () => {
  it('OpenAI: reasoning_content and reasoning deltas', async () => {
    const reply = openaiStream({ text: 'You have a card on file.' });
    const [opening, ...rest] = reply.events;
    if (opening === undefined) throw new Error('openaiStream gave no events');
    const template = JSON.parse(opening.data) as Record<string, unknown>;
    const reasoning = (delta: Record<string, unknown>): SseEvent => ({ data: JSON.stringify({ ...template, choices: [{ index: 0, delta, logprobs: logprobsOf([card]), finish_reason: null }] }) });
    const stream: StreamReply = { ...reply, events: [opening, reasoning({ reasoning_content: `The card is ${card}.` }), reasoning({ reasoning: `Again ${card}.` }), ...rest] };
    upstream.enqueue(stream);

    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of await openai.chat.completions.create({ ...ask, stream: true })) chunks.push(chunk);
    expect(JSON.stringify(chunks)).not.toMatch(cardDigits);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('You have a card on file.');
  });

  it('Anthropic: thinking deltas', async () => {
    const reply = anthropicStream({ text: 'You have a card on file.' });
    const [start, ...rest] = reply.events;
    if (start === undefined) throw new Error('anthropicStream gave no events');
    const event = (type: string, value: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...value }) });
    const shifted = rest.map((sse) => {
      const value = JSON.parse(sse.data) as Record<string, unknown>;
      return typeof value.index === 'number' ? { ...sse, data: JSON.stringify({ ...value, index: value.index + 1 }) } : sse;
    });
    const thinking = [
      event('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      event('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: `The card is ${card}.` } }),
      event('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' } }),
      event('content_block_stop', { index: 0 }),
    ];
    upstream.enqueue({ ...reply, events: [start, ...thinking, ...shifted] });

    const message = await anthropic.messages.stream(question).finalMessage();
    expect(JSON.stringify(message)).not.toMatch(cardDigits);
    expect(message.content.filter((block) => block.type === 'text')).toEqual([expect.objectContaining({ text: 'You have a card on file.' })]);
  });
});
