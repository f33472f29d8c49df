import type { Provider, UpstreamEvent, UpstreamRequest, UpstreamResponse } from '../upstream/provider.js';
import { createOpenAIStreamWriter } from '../wire/openai-stream-writer.js';
import { parseOpenAIChatRequest } from '../wire/parse-openai-chat-request.js';
import { renderOpenAIResponse } from '../wire/render-openai-response.js';
import { createDemoModel, demoModelId, type DemoModel } from './demo-model.js';

/** The SSE text a writer produced, back as events (the demo speaks to the gateway as an upstream would). */
function* eventsOf(text: string): Generator<UpstreamEvent> {
  for (const block of text.split('\n\n')) {
    if (block === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    yield event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
  }
}

/**
 * `palisade-demo` as an upstream provider: the offline scripted model behind the same provider
 * contract as a real one (OpenAI format), so a demo request goes through every stage a real
 * one does — limits, checks, streaming guard, audit.
 */
export function createDemoProvider(options: { name?: string; model?: DemoModel; now?: () => number } = {}): Provider {
  const model = options.model ?? createDemoModel();
  const now = options.now ?? Date.now;
  return {
    name: options.name ?? demoModelId,
    format: 'openai',
    async send(request: UpstreamRequest): Promise<UpstreamResponse> {
      if (request.signal.aborted) throw request.signal.reason;
      const { request: chat } = parseOpenAIChatRequest(request.body);
      const call = { id: `chatcmpl-demo-${request.requestId}`, created: Math.floor(now() / 1000) };
      if (!request.stream) return { kind: 'json', status: 200, headers: {}, body: renderOpenAIResponse(model.complete(chat, call)) };
      const writer = createOpenAIStreamWriter({ ...call, model: model.id, includeUsage: chat.stream_options?.include_usage === true });
      const source = model.stream(chat, call);
      async function* events(): AsyncGenerator<UpstreamEvent> {
        for await (const event of source) {
          if (request.signal.aborted) return;
          yield* eventsOf(writer.write(event));
        }
      }
      return { kind: 'stream', status: 200, headers: {}, events: events() };
    },
  };
}
