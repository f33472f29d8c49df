import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { configSchema } from '../../config/config-schema.js';
import type { GatewayConfig } from '../../config/load-config.js';
import { startGateway, type RunningGateway } from '../../main.js';

export interface TestGateway extends RunningGateway {
  /** A key with every scope (inference, admin, operator) on the `default` tenant. */
  key: string;
  config: GatewayConfig;
  /** Log lines the gateway wrote (JSON), for tests that check what is (not) logged. */
  logs: string[];
}

/**
 * A real gateway on 127.0.0.1 and an ephemeral port, on the embedded defaults (a fresh SQLite
 * file in a temporary directory, in-process limits) unless `databaseUrl` / `redisUrl` say
 * otherwise. `document` is a palisade.yaml document as an object.
 */
export async function startTestGateway(options: { document?: Record<string, unknown>; databaseUrl?: string; redisUrl?: string; providerKeys?: Record<string, string>; alertUrls?: string[] } = {}): Promise<TestGateway> {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-gateway-'));
  const document = { ...options.document } as Record<string, Record<string, unknown> | unknown>;
  const server = { host: '127.0.0.1', port: 0, ...(document.server as object | undefined) };
  const storage = { sqlite_path: join(directory, 'palisade.db'), ...(document.storage as object | undefined) };
  const logging = { level: 'info', ...(document.logging as object | undefined) };
  const parsed = configSchema.parse({ ...document, server, storage, logging });
  const config: GatewayConfig = {
    ...parsed,
    providerKeys: options.providerKeys ?? {},
    mcpVariables: {},
    alertUrls: options.alertUrls ?? [],
    tracing: { exporter: 'none', serviceName: 'palisade-test' },
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
  };
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const gateway = await startGateway(config, { logDestination });
  if (gateway.bootstrapKey === undefined) {
    await gateway.close();
    throw new Error('the test gateway expected an empty database (no bootstrap key was created)');
  }
  return {
    ...gateway,
    key: gateway.bootstrapKey,
    config,
    logs,
    close: async () => {
      await gateway.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
