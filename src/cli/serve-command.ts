import type { Writable } from 'node:stream';
import type { GatewayConfig } from '../config/load-config.js';
import { startGateway } from '../main.js';

function banner(options: { url: string; key?: string; models: readonly string[] }): string {
  const keyLine = options.key === undefined ? '' : `\nYour API key (shown once; only its hash is stored):\n  ${options.key}\n`;
  const key = options.key ?? '$PALISADE_API_KEY';
  const model = options.models[0] ?? 'palisade-demo';
  return `Palisade gateway listening on ${options.url}
${keyLine}
Try it:
  curl ${options.url}/v1/chat/completions \\
    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\
    -d '{"model":"${model}","messages":[{"role":"user","content":"Hello! Mail me at jane@example.com"}]}'

Or point an SDK at it:
  const client = new OpenAI({ baseURL: '${options.url}/v1', apiKey: '${key}' });
  const anthropic = new Anthropic({ baseURL: '${options.url}', apiKey: '${key}' });

The console (sign in with the key): ${options.url}/ui
${options.key === undefined ? '\n(No key was created: this database already has tenants. Make one with `palisade keys create`.)\n' : ''}
Stop with Ctrl-C.
`;
}

/** `palisade serve`: starts the gateway, prints how to call it, runs until `stop` resolves, then shuts down cleanly. */
export async function serve(options: { config: GatewayConfig; stdout: Writable; stderr: Writable; stop: Promise<void> }): Promise<void> {
  const gateway = await startGateway(options.config, { logDestination: options.stderr });
  const models = options.config.models.length > 0 ? options.config.models.map((model) => model.name) : ['palisade-demo'];
  options.stdout.write(banner({ url: gateway.url, models, ...(gateway.bootstrapKey === undefined ? {} : { key: gateway.bootstrapKey }) }));
  await options.stop;
  options.stderr.write('palisade: shutting down (finishing requests in flight, flushing the audit log)\n');
  await gateway.close();
}
