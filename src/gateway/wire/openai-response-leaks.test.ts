import { describe, expect, it } from 'vitest';
import type { AssistantTurn, CompletionResult } from './canonical.js';
import { readOpenAIChoiceTexts, readOpenAIResponse } from './read-openai-response.js';
import { renderOpenAIResponse } from './render-openai-response.js';
import { openAIClientAnswering } from './test-support/sdk-clients.js';

/**
 * Everything the model wrote in a chat completion reaches the client only as the output stage
 * checked it: reasoning and refusals rewritten, mirrors of the text (logprobs, audio,
 * annotations) only with an unchanged choice, unknown text withheld and reported.
 */

const card = '4111 1111 1111 1111';
const cardPieces = ['Card', ' 4111', ' 1111', ' 1111', ' 1111', '.'];

/** A logprobs entry for each token, with one alternative each. */
function logprobsOf(tokens: readonly string[]): { content: unknown[]; refusal: null } {
  return {
    content: tokens.map((token) => ({ token, logprob: -0.2, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob: -0.2, bytes: [...Buffer.from(token)] }] })),
    refusal: null,
  };
}

/** Shaped like an answer from an OpenAI-compatible server with reasoning, audio and web-search annotations (our own text). */
function upstreamWith(text: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-leaks',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'reasoner-test',
    system_fingerprint: 'fp_leaks',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          refusal: null,
          reasoning_content: `The user's ${text}`,
          reasoning: `Thinking about ${text}`,
          audio: { id: 'audio_1', data: 'UklGRg==', expires_at: 1_760_003_600, transcript: text },
          annotations: [{ type: 'url_citation', url_citation: { start_index: 0, end_index: 4, url: 'https://example.com/cards', title: `About ${text}` } }],
        },
        logprobs: logprobsOf(text === 'Card.' ? ['Card', '.'] : cardPieces),
        finish_reason: 'stop',
        stop_reason: null,
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
  };
}

/** What the output stage does with a redaction: every text of the turn rewritten. */
function redacted(turn: AssistantTurn, value: string, label: string): AssistantTurn {
  const rewrite = (text: string): string => text.split(value).join(label);
  return {
    ...turn,
    text: rewrite(turn.text),
    toolCalls: turn.toolCalls.map((call) => ({ ...call, arguments: rewrite(call.arguments) })),
    ...(turn.sideTexts === undefined ? {} : { sideTexts: turn.sideTexts.map((side) => ({ ...side, text: rewrite(side.text) })) }),
  };
}

function withTurn(result: CompletionResult, turn: AssistantTurn): CompletionResult {
  return { ...result, turns: [turn] };
}

function firstTurn(result: CompletionResult): AssistantTurn {
  const [turn] = result.turns;
  if (turn === undefined) throw new Error('no turn');
  return turn;
}

type RenderedChoice = { message: Record<string, unknown>; logprobs: unknown; finish_reason: string };
const choiceOf = (body: Record<string, unknown>): RenderedChoice => (body.choices as RenderedChoice[])[0] as RenderedChoice;

describe('reading what the model wrote besides the answer', () => {
  it('reads reasoning, the audio transcript, annotations and the logprob tokens joined', () => {
    const upstream = upstreamWith(`Card ${card}.`);
    const turn = firstTurn(readOpenAIResponse(upstream));
    const texts = new Map(turn.sideTexts?.map((side) => [side.path.join('.'), side.text]));
    expect(texts.get('message.reasoning_content')).toBe(`The user's Card ${card}.`);
    expect(texts.get('message.reasoning')).toBe(`Thinking about Card ${card}.`);
    expect(texts.get('message.audio.transcript')).toBe(`Card ${card}.`);
    expect(texts.get('message.annotations.0.url_citation.title')).toBe(`About Card ${card}.`);
    expect(texts.get('message.annotations.0.url_citation.url')).toBe('https://example.com/cards');
    // Split over tokens, the number is still read whole.
    expect(texts.get('logprobs.content')).toBe(`Card ${card}.`);
    expect(texts.get('logprobs.content.top_logprobs')).toContain(' 4111');
  });

  it('reads a refusal beside content as a text of its own, and a refusal alone as the answer', () => {
    const beside = readOpenAIResponse({ choices: [{ message: { content: 'Partly.', refusal: `No ${card}` }, finish_reason: 'stop' }] });
    expect(firstTurn(beside)).toMatchObject({ text: 'Partly.', sideTexts: [{ path: ['message', 'refusal'], text: `No ${card}` }] });
    const alone = readOpenAIResponse({ choices: [{ message: { content: null, refusal: 'I cannot help.' }, finish_reason: 'stop' }] });
    expect(firstTurn(alone)).toEqual({ text: 'I cannot help.', toolCalls: [], finishReason: 'stop' });
  });

  it('names fields it cannot read instead of reading them', () => {
    const { unreadable } = readOpenAIChoiceTexts({
      message: { content: 'hi', reasoning: { summary: 'text in an object' }, audio: { transcript: 'hi', voice_notes: 'extra' } },
      logprobs: { content: [{ text: 'hi', logprob: -1 }] },
    });
    expect([...unreadable].sort()).toEqual(['logprobs', 'message.audio', 'message.reasoning']);
    const many = Array.from({ length: 300 }, (_, index) => ({ type: 'url_citation', url_citation: { url: `https://example.com/${index}`, title: 't' } }));
    expect(readOpenAIChoiceTexts({ message: { content: 'hi', annotations: many } }).unreadable).toEqual(new Set(['message.annotations']));
  });
});

describe('rendering a choice the output stage changed', () => {
  it('writes reasoning as checked and withholds logprobs, audio and annotations', () => {
    const upstream = upstreamWith(`Card ${card}.`);
    const result = readOpenAIResponse(upstream);
    const rendered = renderOpenAIResponse(withTurn(result, redacted(firstTurn(result), card, '[CREDIT_CARD]')), { original: upstream });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    const choice = choiceOf(rendered);
    expect(choice.message).toEqual({
      role: 'assistant',
      content: 'Card [CREDIT_CARD].',
      refusal: null,
      reasoning_content: "The user's Card [CREDIT_CARD].",
      reasoning: 'Thinking about Card [CREDIT_CARD].',
      audio: null,
    });
    expect(choice.logprobs).toBeNull();
    expect(rendered).toMatchObject({ system_fingerprint: 'fp_leaks', usage: { total_tokens: 15 }, choices: [{ stop_reason: null }] });
  });

  it('withholds every mirror of a blocked choice, and its reasoning', () => {
    const upstream = upstreamWith(`Card ${card}.`);
    const result = readOpenAIResponse(upstream);
    const blocked: AssistantTurn = { text: '', toolCalls: [], finishReason: 'content_filter', sideTexts: [] };
    const rendered = renderOpenAIResponse(withTurn(result, blocked), { original: upstream });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    expect(choiceOf(rendered)).toMatchObject({ finish_reason: 'content_filter', logprobs: null, message: { role: 'assistant', content: '', refusal: null, audio: null } });
    expect(choiceOf(rendered).message).not.toHaveProperty('reasoning_content');
    expect(choiceOf(rendered).message).not.toHaveProperty('reasoning');
  });

  it('withholds logprobs when only a logprob token was redacted', () => {
    const upstream = upstreamWith('Card.');
    (upstream.choices as { logprobs: unknown }[])[0] = { ...(upstream.choices as object[])[0], logprobs: logprobsOf(cardPieces) };
    const result = readOpenAIResponse(upstream);
    const rendered = renderOpenAIResponse(withTurn(result, redacted(firstTurn(result), card, '[CREDIT_CARD]')), { original: upstream });
    expect(choiceOf(rendered).logprobs).toBeNull();
    expect(choiceOf(rendered).message.content).toBe('Card.');
    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
  });

  it('rewrites a refusal written beside content', () => {
    const upstream = { choices: [{ index: 0, message: { role: 'assistant', content: 'Partly.', refusal: `Not ${card}` }, finish_reason: 'stop' }] };
    const result = readOpenAIResponse(upstream);
    const rendered = renderOpenAIResponse(withTurn(result, redacted(firstTurn(result), card, '[CREDIT_CARD]')), { original: upstream });
    expect(choiceOf(rendered).message).toEqual({ role: 'assistant', content: 'Partly.', refusal: 'Not [CREDIT_CARD]' });
  });
});

describe('rendering a choice delivered unchanged', () => {
  it('keeps logprobs, audio, annotations and reasoning as the upstream sent them', async () => {
    const upstream = upstreamWith('Card.');
    const rendered = renderOpenAIResponse(readOpenAIResponse(upstream), { original: upstream });
    expect(rendered).toEqual(upstream);

    const { client } = openAIClientAnswering({ body: JSON.stringify(rendered) });
    const completion = await client.chat.completions.create({ model: 'reasoner-test', logprobs: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]?.logprobs?.content?.map((entry) => entry.token)).toEqual(['Card', '.']);
  });

  it('removes and reports text it cannot read, keeping fields without text', () => {
    const upstream = {
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello.',
            reasoning_details: [{ type: 'reasoning.text', text: `Plan: ${card}` }],
            tool_calls: [{ id: 'call_1', type: 'function', index: 0, function: { name: 'f', arguments: '{}', notes: `also ${card}` }, comment: card }],
            token_count: 3,
          },
          logprobs: { content: [{ token: 'Hello.', logprob: -0.1, bytes: null, top_logprobs: [], raw: `raw ${card}` }] },
          finish_reason: 'tool_calls',
          native_finish_reason: 'tool_use',
          text: `legacy ${card}`,
        },
      ],
    };
    const removed: string[] = [];
    const rendered = renderOpenAIResponse(readOpenAIResponse(upstream), { original: upstream, onRemoved: (field) => removed.push(field) });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    expect(removed.sort()).toEqual([
      'choices[0].logprobs',
      'choices[0].message.reasoning_details',
      'choices[0].message.tool_calls[0].comment',
      'choices[0].message.tool_calls[0].function.notes',
      'choices[0].text',
    ]);
    expect(choiceOf(rendered)).toEqual({
      index: 0,
      native_finish_reason: 'tool_use',
      message: { role: 'assistant', content: 'Hello.', token_count: 3, tool_calls: [{ id: 'call_1', type: 'function', index: 0, function: { name: 'f', arguments: '{}' } }] },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });
});
