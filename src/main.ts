import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { openPostgres, type PostgresPool } from './adapters/postgres/open-postgres.js';
import { createPostgresAuditStore } from './adapters/postgres/postgres-audit-store.js';
import { createPostgresApprovalStore } from './adapters/postgres/postgres-approval-store.js';
import { createPostgresKeyStore } from './adapters/postgres/postgres-key-store.js';
import { createPostgresReportStore } from './adapters/postgres/postgres-report-store.js';
import { createPostgresToolSigningKeyStore } from './adapters/postgres/postgres-tool-signing-key-store.js';
import { createRedisIdempotencyStore } from './adapters/redis/redis-idempotency-store.js';
import { createRedisRateLimiter } from './adapters/redis/redis-rate-limiter.js';
import { createRedisToolBudgetStore } from './adapters/redis/redis-tool-budget-store.js';
import { openSqlite, type SqliteDatabase } from './adapters/sqlite/open-sqlite.js';
import { createSqliteAuditStore } from './adapters/sqlite/sqlite-audit-store.js';
import { createSqliteApprovalStore } from './adapters/sqlite/sqlite-approval-store.js';
import { createSqliteKeyStore } from './adapters/sqlite/sqlite-key-store.js';
import { createSqliteReportStore } from './adapters/sqlite/sqlite-report-store.js';
import { createSqliteToolSigningKeyStore } from './adapters/sqlite/sqlite-tool-signing-key-store.js';
import { applyAuditRetention } from './audit/apply-audit-retention.js';
import type { AuditStore } from './audit/audit-store.js';
import { createAuditWriter } from './audit/audit-writer.js';
import type { GatewayConfig } from './config/load-config.js';
import { builtinDetectors } from './detectors/builtin-detectors.js';
import { createDetectorRegistry } from './detectors/detector-registry.js';
import { buildModelRoutes } from './gateway/completion/build-model-routes.js';
import { createGatewayApp } from './gateway/gateway-app.js';
import type { ReadinessCheck } from './gateway/gateway-dependencies.js';
import type { IdempotencyStore } from './idempotency/idempotency-store.js';
import { createMemoryIdempotencyStore } from './idempotency/memory-idempotency-store.js';
import { bootstrapTenantId, ensureBootstrapKey } from './keys/bootstrap-key.js';
import type { KeyStore } from './keys/key-store.js';
import { createMemoryRateLimiter } from './limits/memory-rate-limiter.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { ReportStore } from './review/report-store.js';
import { createGuardEngine, type GuardEngine } from './pipeline/guard-engine.js';
import { loadDefaultPolicy, loadPolicyFile } from './policy/load-policy.js';
import { createLogger } from './telemetry/logger.js';
import { createMetrics } from './telemetry/metrics.js';
import { createTracing } from './telemetry/tracing.js';
import type { ApprovalStore } from './tools/approval-store.js';
import { createMemoryToolBudgetStore } from './tools/memory-tool-budget-store.js';
import type { ToolBudgetStore } from './tools/tool-budget-store.js';
import { generateToolSigningKey, loadToolSigningKey } from './tools/tool-signing-key.js';
import type { ToolSigningKeyStore } from './tools/tool-signing-key-store.js';

/**
 * The composition root: the one place that reads the configuration into running parts —
 * databases, stores, the guard engine. The gateway (`start-gateway.ts`) and the CLI commands
 * receive what they need from here; nothing else opens a connection.
 */

export interface Stores {
  keys: KeyStore;
  audit: AuditStore;
  /** Tool calls waiting for a person (the review queue). */
  approvals: ApprovalStore;
  /** Users' reports of bad answers and wrong blocks (the review queue for reports). */
  reports: ReportStore;
  toolSigningKeys: ToolSigningKeyStore;
  /** What the stores run on, for messages: `sqlite:<path>` or `postgres`. */
  description: string;
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/** The database stores: PostgreSQL when `PALISADE_DATABASE_URL` is set, else the embedded SQLite file. */
export async function openStores(config: GatewayConfig): Promise<Stores> {
  if (config.databaseUrl !== undefined) {
    const schema = config.storage.postgres_schema;
    const pool: PostgresPool = openPostgres({ url: config.databaseUrl, schema });
    try {
      const keys = await createPostgresKeyStore(pool, { schema });
      const audit = await createPostgresAuditStore(pool, { schema });
      const approvals = await createPostgresApprovalStore(pool, { schema });
      const toolSigningKeys = await createPostgresToolSigningKeyStore(pool, { schema });
      const reports = await createPostgresReportStore(pool, { schema });
      return { keys, audit, approvals, reports, toolSigningKeys, description: 'postgres', readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }], close: () => pool.end() };
    } catch (error) {
      await pool.end();
      throw error;
    }
  }
  const db: SqliteDatabase = openSqlite({ path: config.storage.sqlite_path, synchronous: config.storage.sqlite_synchronous });
  return {
    keys: createSqliteKeyStore(db),
    audit: createSqliteAuditStore(db),
    approvals: createSqliteApprovalStore(db),
    reports: createSqliteReportStore(db),
    toolSigningKeys: createSqliteToolSigningKeyStore(db),
    description: `sqlite:${config.storage.sqlite_path}`,
    readiness: [{ name: 'sqlite', check: async () => void db.prepare('SELECT 1').get() }],
    close: async () => {
      db.close();
    },
  };
}

export interface LimitStores {
  limiter: RateLimiter;
  idempotency: IdempotencyStore;
  toolBudgets: ToolBudgetStore;
  description: string;
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/**
 * Rate limits and idempotency: Redis when `PALISADE_REDIS_URL` is set (shared by replicas), else
 * in process. A Redis that does not answer at start is treated like one that fails later: the
 * gateway starts, requests follow `limits.on_error`, /readyz reports it, and the client keeps
 * reconnecting. Refusing to start would turn a short Redis outage into a crash loop of every
 * replica, even those configured to fail open.
 */
export async function openLimitStores(config: GatewayConfig, options: { onConnectError?: (error: unknown) => void } = {}): Promise<LimitStores> {
  if (config.redisUrl === undefined) {
    const toolBudgets = createMemoryToolBudgetStore();
    return { limiter: createMemoryRateLimiter(), idempotency: createMemoryIdempotencyStore(), toolBudgets, description: 'in-process', readiness: [], close: () => toolBudgets.close() };
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // Connection errors surface on the commands that fail (and so in the policy's on_error); the
  // client reconnects by itself, so the event needs no handler beyond not crashing the process.
  redis.on('error', () => {});
  await redis.connect().catch((error: unknown) => options.onConnectError?.(error));
  const prefix = config.limits.redis_key_prefix;
  const limiter = createRedisRateLimiter({ redis, keyPrefix: `${prefix}limits:` });
  const idempotency = createRedisIdempotencyStore({ redis, keyPrefix: `${prefix}idempotency:` });
  const toolBudgets = createRedisToolBudgetStore({ redis, keyPrefix: `${prefix}tool-budgets:` });
  return {
    limiter,
    idempotency,
    toolBudgets,
    description: 'redis',
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
    close: async () => {
      await limiter.close();
      await idempotency.close();
      await toolBudgets.close();
      redis.disconnect();
    },
  };
}

/** The guard engine with the configured policy file, or the built-in default policy. */
export async function createEngine(config: GatewayConfig): Promise<GuardEngine> {
  const registry = createDetectorRegistry(builtinDetectors);
  const policy = config.policy === undefined ? await loadDefaultPolicy(registry) : await loadPolicyFile(config.policy, registry);
  return createGuardEngine({ policy });
}

export interface RunningGateway {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** The key created on first start (shown once), if this start created one. */
  bootstrapKey?: string;
  /** Stops accepting, lets requests in flight finish, flushes the audit log, closes every store. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: stores, engine, providers, telemetry, then the HTTP server. The audit
 * writer gets a chain of its own for this process; retention runs at start, then hourly.
 */
export async function startGateway(config: GatewayConfig, options: { logDestination?: DestinationStream } = {}): Promise<RunningGateway> {
  const logger = createLogger({ level: config.logging.level, ...(options.logDestination === undefined ? {} : { destination: options.logDestination }) });
  const tracing = createTracing({ exporter: config.tracing.exporter, serviceName: config.tracing.serviceName });
  // The policy first: a bad policy file should fail before anything is opened.
  const engine = await createEngine(config);
  const stores = await openStores(config);
  const limitStores = await openLimitStores(config, {
    onConnectError: (error) => logger.warn({ err: String(error) }, 'Redis does not answer; requests follow limits.on_error until it does (see /readyz)'),
  }).catch(async (error: unknown) => {
    await stores.close();
    throw error;
  });
  const models = buildModelRoutes(config);
  const writer = createAuditWriter({
    store: stores.audit,
    anchorEvery: { events: config.audit.anchor_every_events, ms: config.audit.anchor_every_seconds * 1000 },
    onAnchorError: (error) => logger.warn({ err: String(error) }, 'writing an audit anchor failed; the next one covers it'),
  });
  // One signing key for every replica: the first to start stores its candidate, the others use that one.
  const signingKey = loadToolSigningKey(await stores.toolSigningKeys.getOrCreate(generateToolSigningKey()));
  const bootstrap = await ensureBootstrapKey(stores.keys);
  if (bootstrap !== undefined) await writer.append({ id: randomUUID(), type: 'key-created', time: new Date().toISOString(), tenantId: bootstrapTenantId, actor: 'system', data: { key_id: bootstrap.record.id, prefix: bootstrap.record.prefix, scopes: bootstrap.record.scopes, bootstrap: true } });

  const metrics = createMetrics();
  const app = createGatewayApp({
    config,
    engine,
    keys: stores.keys,
    limiter: limitStores.limiter,
    idempotency: limitStores.idempotency,
    audit: { writer, store: stores.audit },
    models: models.routes,
    tools: { signingKey, approvals: stores.approvals, budgets: limitStores.toolBudgets },
    reports: stores.reports,
    metrics,
    logger,
    tracer: tracing.tracer,
    readiness: [...stores.readiness, ...limitStores.readiness],
  });
  const retain = async (): Promise<void> => {
    try {
      const result = await applyAuditRetention(stores.audit, { before: new Date(Date.now() - config.audit.retention_days * 86_400_000), writerId: writer.writerId });
      if (result.deletedEvents > 0) logger.info({ deleted: result.deletedEvents }, 'audit retention applied');
    } catch (error) {
      logger.warn({ err: String(error) }, 'audit retention failed; it runs again in an hour');
    }
  };
  // At start too: a gateway restarted more often than hourly would otherwise never apply it.
  let retaining = retain();
  const retention = setInterval(() => (retaining = retain()), 3_600_000);
  retention.unref();

  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  logger.info({ url, storage: stores.description, limits: limitStores.description, policy: engine.policy.name, models: models.routes.list().map((route) => route.name) }, 'gateway listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    ...(bootstrap === undefined ? {} : { bootstrapKey: bootstrap.key }),
    close: () =>
      (closing ??= (async () => {
        clearInterval(retention);
        await retaining;
        await app.close();
        await writer.close();
        await models.close();
        await limitStores.close();
        await stores.close();
        await tracing.shutdown();
      })()),
  };
}
