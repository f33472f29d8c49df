import { describe, expect, it } from 'vitest';
import type { AssistantTurn, CompletionResult } from './canonical.js';
import { readAnthropicResponse } from './read-anthropic-response.js';
import { renderAnthropicResponse } from './render-anthropic-response.js';
import { anthropicClientAnswering } from './test-support/sdk-clients.js';

/**
 * Everything the model wrote in a Messages API answer reaches the client only as the output
 * stage checked it: thinking, citations and server-tool blocks rewritten (or withheld with a
 * blocked answer), blocks of unknown types removed and reported, encrypted thinking passed
 * (but not with a blocked answer).
 */

const card = '4111 1111 1111 1111';

/** Shaped like an answer with extended thinking and web search (our own text). */
function upstreamWith(text: string): Record<string, unknown> {
  return {
    id: 'msg_leaks',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-5',
    content: [
      { type: 'thinking', thinking: `The card is ${text}`, signature: 'c2lnbmF0dXJl' },
      { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: `who issued ${text}` } },
      {
        type: 'web_search_tool_result',
        tool_use_id: 'srvtoolu_1',
        content: [{ type: 'web_search_result', url: 'https://example.com/bins', title: `Issuer of ${text}`, encrypted_content: 'b3BhcXVl', page_age: null }],
      },
      {
        type: 'text',
        text: `It is ${text}.`,
        citations: [{ type: 'web_search_result_location', url: 'https://example.com/bins', title: 'Bins', encrypted_index: 'aW5kZXg=', cited_text: `issuer ${text}` }],
      },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 20, output_tokens: 30, server_tool_use: { web_search_requests: 1 } },
  };
}

/** What the output stage does with a redaction: every text of the turn rewritten. */
function redacted(turn: AssistantTurn, value: string, label: string): AssistantTurn {
  const rewrite = (text: string): string => text.split(value).join(label);
  return { ...turn, text: rewrite(turn.text), ...(turn.sideTexts === undefined ? {} : { sideTexts: turn.sideTexts.map((side) => ({ ...side, text: rewrite(side.text) })) }) };
}

function firstTurn(result: CompletionResult): AssistantTurn {
  const [turn] = result.turns;
  if (turn === undefined) throw new Error('no turn');
  return turn;
}

describe('reading what the model wrote besides the answer', () => {
  it('reads thinking, server-tool blocks and citations, but no ids, types or encrypted payloads', () => {
    const turn = firstTurn(readAnthropicResponse(upstreamWith(card)));
    expect(turn.text).toBe(`It is ${card}.`);
    expect(turn.sideTexts).toEqual([
      { path: [0, 'thinking'], text: `The card is ${card}` },
      { path: [2, 'name'], text: 'web_search' },
      { path: [2, 'input', 'query'], text: `who issued ${card}` },
      { path: [3, 'content', 0, 'url'], text: 'https://example.com/bins' },
      { path: [3, 'content', 0, 'title'], text: `Issuer of ${card}` },
      { path: [4, 'citations', 0, 'url'], text: 'https://example.com/bins' },
      { path: [4, 'citations', 0, 'title'], text: 'Bins' },
      { path: [4, 'citations', 0, 'cited_text'], text: `issuer ${card}` },
    ]);
  });
});

describe('renderAnthropicResponse with side texts', () => {
  it('writes every text as checked, keeping signatures, encrypted blocks and usage', async () => {
    const upstream = upstreamWith(card);
    const result = readAnthropicResponse(upstream);
    const rendered = renderAnthropicResponse({ ...result, turns: [redacted(firstTurn(result), card, '[CREDIT_CARD]')] }, { original: upstream });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    const expected = upstreamWith('[CREDIT_CARD]');
    // The answer's text changed, so its text blocks are merged and their citations go (as for any rewrite).
    (expected.content as Record<string, unknown>[])[4] = { type: 'text', text: 'It is [CREDIT_CARD].', citations: null };
    expect(rendered).toEqual(expected);

    const { client } = anthropicClientAnswering({ body: JSON.stringify(rendered) });
    const message = await client.messages.create({ model: 'claude-test-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result', 'text']);
  });

  it('rewrites citations in place when the answer text itself is unchanged', () => {
    const upstream = upstreamWith('a card');
    const content = upstream.content as Record<string, unknown>[];
    content[4] = { ...content[4], citations: [{ type: 'char_location', cited_text: `card ${card}`, document_index: 0, document_title: 'Wallet', start_char_index: 0, end_char_index: 24 }] };
    const result = readAnthropicResponse(upstream);
    const rendered = renderAnthropicResponse({ ...result, turns: [redacted(firstTurn(result), card, '[CREDIT_CARD]')] }, { original: upstream });
    expect((rendered.content as unknown[])[4]).toEqual({
      type: 'text',
      text: 'It is a card.',
      citations: [{ type: 'char_location', cited_text: 'card [CREDIT_CARD]', document_index: 0, document_title: 'Wallet', start_char_index: 0, end_char_index: 24 }],
    });
  });

  it('returns an unchanged answer as it came', () => {
    const upstream = upstreamWith('a card');
    expect(renderAnthropicResponse(readAnthropicResponse(upstream), { original: upstream })).toEqual(upstream);
  });

  it('withholds every reasoning and server-tool block from a blocked answer', () => {
    const upstream = upstreamWith(card);
    const result = readAnthropicResponse(upstream);
    const blocked: AssistantTurn = { text: 'Blocked by policy.', toolCalls: [], finishReason: 'content_filter', sideTexts: [] };
    const rendered = renderAnthropicResponse({ ...result, turns: [blocked] }, { original: upstream });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    expect(rendered.stop_reason).toBe('refusal');
    expect(rendered.content).toEqual([{ type: 'text', text: 'Blocked by policy.', citations: null }]);
  });

  it('removes and reports blocks of unknown types and fields holding unchecked text', () => {
    const upstream = {
      id: 'msg_unknown',
      type: 'message',
      role: 'assistant',
      model: 'claude-test-5',
      content: [
        { type: 'future_block', note: `remember ${card}` },
        { type: 'thinking', thinking: 'Plan.', signature: 'c2ln', summary: `short: ${card}` },
        { type: 'text', text: 'Done.', annotations: `also ${card}`, weight: 2 },
      ],
      stop_reason: 'end_turn',
    };
    const removed: string[] = [];
    const rendered = renderAnthropicResponse(readAnthropicResponse(upstream), { original: upstream, onRemoved: (field) => removed.push(field) });

    expect(JSON.stringify(rendered)).not.toMatch(/4111|1111/);
    expect(removed).toEqual(['content[0]', 'content[1].summary', 'content[2].annotations']);
    expect(rendered.content).toEqual([
      { type: 'thinking', thinking: 'Plan.', signature: 'c2ln' },
      { type: 'text', text: 'Done.', weight: 2 },
    ]);
  });

  it('drops citations too large to read, keeping their text', () => {
    const citations = Array.from({ length: 300 }, (_, index) => ({ type: 'char_location', cited_text: `quote ${index}`, document_index: 0, start_char_index: 0, end_char_index: 5 }));
    const upstream = { id: 'msg_big', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'Answer.', citations }], stop_reason: 'end_turn' };
    const removed: string[] = [];
    const rendered = renderAnthropicResponse(readAnthropicResponse(upstream), { original: upstream, onRemoved: (field) => removed.push(field) });
    expect(rendered.content).toEqual([{ type: 'text', text: 'Answer.', citations: null }]);
    expect(removed).toEqual(['content[0].citations']);
  });
});
