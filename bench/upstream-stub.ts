import { createServer } from 'node:http';

/**
 * The upstream every gateway in the benchmark talks to: an OpenAI-compatible server that answers
 * at once with a fixed completion, whole or as a stream of small chunks. It does as little work
 * as possible, so the gateways are what is measured. Run it in its own process:
 *   node --import tsx bench/upstream-stub.ts <port>
 */
const answer = 'Thanks for the details. Here is a short summary of the quarterly plan: revenue targets, hiring, and the office move. Let me know if you want more detail on any part.';
const pieces = answer.match(/.{1,12}/g) ?? [answer];

function completionBody(model: string): string {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_790_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 260, completion_tokens: 40, total_tokens: 300 },
  });
}

function chunk(model: string, delta: Record<string, unknown>, finish: string | null, usage?: unknown): string {
  const body: Record<string, unknown> = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_790_000_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  if (usage !== undefined) body.usage = usage;
  return `data: ${JSON.stringify(body)}\n\n`;
}

const port = Number(process.argv[2] ?? 0);
const server = createServer((request, response) => {
  const parts: Buffer[] = [];
  request.on('data', (part: Buffer) => parts.push(part));
  request.on('end', () => {
    let body: { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } } = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
      return;
    }
    const model = body.model ?? 'bench-model';
    if (body.stream !== true) {
      const text = completionBody(model);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const frames = [chunk(model, { role: 'assistant', content: '' }, null), ...pieces.map((piece) => chunk(model, { content: piece }, null)), chunk(model, {}, 'stop')];
    if (body.stream_options?.include_usage === true) frames.push(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_790_000_000, model, choices: [], usage: { prompt_tokens: 260, completion_tokens: 40, total_tokens: 300 } })}\n\n`);
    frames.push('data: [DONE]\n\n');
    // `bench-paced`: one chunk every 20 ms (about 150 characters a second, a typical model), to show what holding text back costs.
    if (model !== 'bench-paced') {
      response.end(frames.join(''));
      return;
    }
    let next = 0;
    const timer = setInterval(() => {
      const frame = frames[next++];
      if (frame === undefined || response.destroyed) {
        clearInterval(timer);
        response.end();
        return;
      }
      response.write(frame);
    }, 20);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : port}\n`);
});
