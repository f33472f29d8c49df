import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './test-support/start-test-gateway.js';
import { openaiCompletion, openaiStream } from '../gateway/upstream/test-support/test-replies.js';
import { startTestUpstream, type TestUpstream } from '../gateway/upstream/test-support/test-upstream.js';

/**
 * Masking in both directions: the model sees placeholders for the user's values, the client
 * gets them back, and a value the answer brings that the policy masks on the way out stays
 * masked — it is never "restored" to one of the user's values.
 */

const userEmail = 'jane.user@example.com';
const otherEmail = 'someone.else@example.org';
const policyYaml = `version: 1
name: e2e-masking
detectors:
  pii:
    on_error: closed
rules:
  - id: email-mask
    category: [pii.email]
    min_score: 0.5
    action: mask
`;

let directory: string;
let upstream: TestUpstream;
let gateway: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'palisade-e2e-masking-'));
  const policy = join(directory, 'policy.yaml');
  writeFileSync(policy, policyYaml);
  upstream = await startTestUpstream();
  gateway = await startTestGateway({
    document: {
      policy,
      providers: [{ name: 'good', type: 'openai', base_url: upstream.openaiBaseUrl, retries: 0 }],
      models: [{ name: 'test-model', providers: ['good'] }],
      streaming: { hold_back_chars: 64, scan_every_chars: 8 },
    },
  });
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.key, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  rmSync(directory, { recursive: true, force: true });
});

const messages = [{ role: 'user' as const, content: `Please write to ${userEmail} about the meeting.` }];
// The model answers with the user's placeholder and an address of its own.
const answer = `I wrote to <EMAIL_1> and copied ${otherEmail}.`;

describe('masking in and out', () => {
  it('restores the user’s value and keeps a new value of the answer masked (whole answer)', async () => {
    upstream.enqueue(openaiCompletion({ text: answer }));
    const completion = await openai.chat.completions.create({ model: 'test-model', messages });
    const sent = (upstream.requests[0]?.body as { messages: { content: string }[] }).messages[0]?.content;
    expect(sent).toBe('Please write to <EMAIL_1> about the meeting.');
    expect(completion.choices[0]?.message.content).toBe(`I wrote to ${userEmail} and copied <EMAIL_2>.`);
  });

  it('does the same on a stream', async () => {
    upstream.reset();
    upstream.enqueue(openaiStream({ text: answer }));
    const stream = await openai.chat.completions.create({ model: 'test-model', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(`I wrote to ${userEmail} and copied <EMAIL_2>.`);
    expect(text).not.toContain(otherEmail);
  });
});
