import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { PalisadeError } from '../core/errors.js';
import { describeIssues, issuesFromZod, type PolicyIssue } from '../policy/policy-issues.js';
import { configSchema, type ConfigDocument } from './config-schema.js';

/** The environment variables Palisade reads (and only this module reads them). */
export interface ConfigEnvironment {
  PALISADE_CONFIG?: string;
  PALISADE_DATABASE_URL?: string;
  PALISADE_REDIS_URL?: string;
  PALISADE_HOST?: string;
  PALISADE_PORT?: string;
  [name: string]: string | undefined;
}

/** The validated file plus what comes from the environment: service URLs and provider keys. */
export interface GatewayConfig extends ConfigDocument {
  /** The file it was read from, if any. */
  file?: string;
  /** PostgreSQL when set (`postgres://…`); otherwise the embedded SQLite file. */
  databaseUrl?: string;
  /** Redis for limits and idempotency when set; otherwise in-process. */
  redisUrl?: string;
  /** API keys by provider name, read from each provider's `api_key_env`. */
  providerKeys: Record<string, string>;
  /** The values of the variables the `mcp` section names (servers' `env` and `headers_env`), those that are set. */
  mcpVariables: Record<string, string>;
  /** The URLs of `operations.alerts.webhooks`, in order, read from each one's `url_env`. */
  alertUrls: string[];
  /**
   * Tracing, switched on by the standard OpenTelemetry variables: `OTEL_TRACES_EXPORTER`
   * (`otlp`, `console` or `none`) and `OTEL_EXPORTER_OTLP_ENDPOINT` /
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. The exporter reads its other `OTEL_*` settings itself.
   */
  tracing: { exporter: 'otlp' | 'console' | 'none'; serviceName: string };
}

const defaultFile = 'palisade.yaml';

function invalid(file: string, issues: PolicyIssue[], source?: { document: ReturnType<typeof parseDocument>; lineCounter: LineCounter }): never {
  const { message, details } = describeIssues({ issues, file, kind: 'config', ...(source ?? {}) });
  throw new PalisadeError('invalid_config', message, { details });
}

function parseFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PalisadeError('invalid_config', `cannot read config ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: error });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return { path: [] as PropertyKey[], message: `YAML syntax at ${position.line}:${position.col}: ${error.message.split('\n')[0]}` };
    });
    invalid(file, issues);
  }
  const raw: unknown = document.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) invalid(file, issuesFromZod(parsed.error.issues), { document, lineCounter });
  return parsed.data;
}

function tracingFrom(env: ConfigEnvironment): GatewayConfig['tracing'] {
  const serviceName = env.OTEL_SERVICE_NAME || 'palisade';
  const exporter = env.OTEL_TRACES_EXPORTER?.split(',')[0]?.trim();
  if (exporter === 'console' || exporter === 'none') return { exporter, serviceName };
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return { exporter: exporter === 'otlp' || endpoint ? 'otlp' : 'none', serviceName };
}

function portFrom(value: string, file: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) invalid(file, [{ path: ['PALISADE_PORT'], message: `must be a port number, got "${value}"` }]);
  return port;
}

/**
 * Reads the configuration: `options.file`, else `PALISADE_CONFIG`, else `./palisade.yaml` if it
 * exists, else the defaults. Environment variables override the file's host and port and supply
 * service URLs and provider keys. Every problem is reported at once, with file, line and path.
 */
export function loadConfig(options: { file?: string; env?: ConfigEnvironment; cwd?: string } = {}): GatewayConfig {
  const env: ConfigEnvironment = options.env ?? (process.env as ConfigEnvironment);
  const cwd = options.cwd ?? process.cwd();
  const named = options.file ?? env.PALISADE_CONFIG;
  const file = named !== undefined ? resolve(cwd, named) : existsSync(resolve(cwd, defaultFile)) ? resolve(cwd, defaultFile) : undefined;
  const document = (file === undefined ? configSchema.parse({}) : parseFile(file)) as ConfigDocument;
  const where = file ?? '(defaults)';

  const issues: PolicyIssue[] = [];
  const providerKeys: Record<string, string> = {};
  document.providers.forEach((provider, index) => {
    if (provider.api_key_env === undefined) {
      if (provider.type === 'anthropic') issues.push({ path: ['providers', index, 'api_key_env'], message: 'an anthropic provider needs api_key_env' });
      return;
    }
    const key = env[provider.api_key_env];
    if (key === undefined || key === '') issues.push({ path: ['providers', index, 'api_key_env'], message: `environment variable ${provider.api_key_env} is not set` });
    else providerKeys[provider.name] = key;
  });
  const databaseUrl = env.PALISADE_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) issues.push({ path: ['PALISADE_DATABASE_URL'], message: 'must be a postgres:// URL (the embedded SQLite file is configured by storage.sqlite_path)' });
  const redisUrl = env.PALISADE_REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) issues.push({ path: ['PALISADE_REDIS_URL'], message: 'must be a redis:// or rediss:// URL' });
  const alertUrls: string[] = [];
  document.operations.alerts.webhooks.forEach((webhook, index) => {
    const url = env[webhook.url_env];
    if (url === undefined || url === '') issues.push({ path: ['operations', 'alerts', 'webhooks', index, 'url_env'], message: `environment variable ${webhook.url_env} is not set` });
    else if (!/^https?:\/\/[^\s]+$/.test(url)) issues.push({ path: ['operations', 'alerts', 'webhooks', index, 'url_env'], message: `environment variable ${webhook.url_env} must hold an http:// or https:// URL` });
    else alertUrls[index] = url;
  });
  if (issues.length > 0) invalid(where, issues);

  // MCP servers get the variables the file names; an unset one is reported when that server starts.
  const mcpVariables: Record<string, string> = {};
  for (const server of document.mcp.servers) {
    const names = server.transport.type === 'stdio' ? server.transport.env : Object.values(server.transport.headers_env);
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== '') mcpVariables[name] = value;
    }
  }
  const config: GatewayConfig = { ...document, providerKeys, mcpVariables, alertUrls, tracing: tracingFrom(env) };
  // Paths in a file are relative to the file, so a config works from any working directory.
  const base = file === undefined ? cwd : dirname(file);
  if (config.policy !== undefined && !isAbsolute(config.policy)) config.policy = resolve(base, config.policy);
  if (!isAbsolute(config.storage.sqlite_path)) config.storage = { ...config.storage, sqlite_path: resolve(base, config.storage.sqlite_path) };
  if (file !== undefined) config.file = file;
  if (databaseUrl !== undefined) config.databaseUrl = databaseUrl;
  if (redisUrl !== undefined) config.redisUrl = redisUrl;
  if (env.PALISADE_HOST) config.server = { ...config.server, host: env.PALISADE_HOST };
  if (env.PALISADE_PORT) config.server = { ...config.server, port: portFrom(env.PALISADE_PORT, where) };
  return config;
}
