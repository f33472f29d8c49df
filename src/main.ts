import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { openPostgres, type PostgresPool } from './adapters/postgres/open-postgres.js';
import { createPostgresAuditStore } from './adapters/postgres/postgres-audit-store.js';
import { createPostgresApprovalStore } from './adapters/postgres/postgres-approval-store.js';
import { createPostgresKeyStore } from './adapters/postgres/postgres-key-store.js';
import { createPostgresReportStore } from './adapters/postgres/postgres-report-store.js';
import { createPostgresToolSigningKeyStore } from './adapters/postgres/postgres-tool-signing-key-store.js';
import { createPostgresAbuseOverrideStore } from './adapters/postgres/postgres-abuse-override-store.js';
import { createPostgresPolicyVersionStore } from './adapters/postgres/postgres-policy-version-store.js';
import { createPostgresRolloutStore } from './adapters/postgres/postgres-rollout-store.js';
import { createPostgresShadowStore } from './adapters/postgres/postgres-shadow-store.js';
import { createPostgresSwitchNotifier } from './adapters/postgres/postgres-switch-notifier.js';
import { createPostgresSwitchStore } from './adapters/postgres/postgres-switch-store.js';
import { createRedisAbuseScoreStore } from './adapters/redis/redis-abuse-score-store.js';
import { createRedisSwitchNotifier } from './adapters/redis/redis-switch-notifier.js';
import { createSqliteAbuseOverrideStore } from './adapters/sqlite/sqlite-abuse-override-store.js';
import { createSqlitePolicyVersionStore } from './adapters/sqlite/sqlite-policy-version-store.js';
import { createSqliteRolloutStore } from './adapters/sqlite/sqlite-rollout-store.js';
import { createSqliteShadowStore } from './adapters/sqlite/sqlite-shadow-store.js';
import { createSqliteSwitchStore } from './adapters/sqlite/sqlite-switch-store.js';
import type { AbuseOverrideStore } from './ops/abuse/abuse-override-store.js';
import type { IncidentStore } from './ops/incidents/incident-store.js';
import { createPostgresIncidentStore } from './adapters/postgres/postgres-incident-store.js';
import { createSqliteIncidentStore } from './adapters/sqlite/sqlite-incident-store.js';
import type { AbuseScoreStore } from './ops/abuse/abuse-score-store.js';
import { createMemoryAbuseScoreStore } from './ops/abuse/memory-abuse-score-store.js';
import type { PolicyVersionStore } from './ops/rollouts/policy-version-store.js';
import type { RolloutStore } from './ops/rollouts/rollout-store.js';
import type { ShadowStore } from './ops/rollouts/shadow-store.js';
import type { SwitchNotifier } from './ops/switches/switch-notifier.js';
import type { SwitchStore } from './ops/switches/switch-store.js';
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
import { createDetectorRegistry, type DetectorRegistry } from './detectors/detector-registry.js';
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
import { defaultPolicyPath, parsePolicy, readPolicyFile } from './policy/load-policy.js';
import { startOperations } from './start-operations.js';
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
  /** Kill switches (with PostgreSQL, each flip is NOTIFYed in its own transaction). */
  switches: SwitchStore;
  /** Policy versions, rollouts and their shadow comparisons. */
  policyVersions: PolicyVersionStore;
  rollouts: RolloutStore;
  shadow: ShadowStore;
  /** Operators' overrides of the abuse ladder. */
  abuseOverrides: AbuseOverrideStore;
  /** Incidents (their timelines are read from the audit log). */
  incidents: IncidentStore;
  /** With PostgreSQL: a LISTEN connection that hears every flip (opened on demand, closed with the stores). */
  switchNotifier?: () => Promise<SwitchNotifier>;
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
      // One channel per schema: deployments (and test runs) sharing a server do not wake each other.
      const channel = `palisade_switches_${schema}`;
      const switches = await createPostgresSwitchStore(pool, { schema, channel });
      const policyVersions = await createPostgresPolicyVersionStore(pool, { schema });
      const rollouts = await createPostgresRolloutStore(pool, { schema });
      const shadow = await createPostgresShadowStore(pool, { schema });
      const abuseOverrides = await createPostgresAbuseOverrideStore(pool, { schema });
      const incidents = await createPostgresIncidentStore(pool, { schema });
      const databaseUrl = config.databaseUrl;
      let notifier: Promise<SwitchNotifier> | undefined;
      return {
        keys,
        audit,
        approvals,
        reports,
        toolSigningKeys,
        switches,
        policyVersions,
        rollouts,
        shadow,
        abuseOverrides,
        incidents,
        switchNotifier: () => (notifier ??= createPostgresSwitchNotifier({ url: databaseUrl, channel })),
        description: 'postgres',
        readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
        close: async () => {
          await notifier?.then((opened) => opened.close()).catch(() => undefined);
          await pool.end();
        },
      };
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
    switches: createSqliteSwitchStore(db),
    policyVersions: createSqlitePolicyVersionStore(db),
    rollouts: createSqliteRolloutStore(db),
    shadow: createSqliteShadowStore(db),
    abuseOverrides: createSqliteAbuseOverrideStore(db),
    incidents: createSqliteIncidentStore(db),
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
  abuseScores: AbuseScoreStore;
  /** With Redis: pub/sub that tells every replica of a switch flip at once. */
  switchNotifier?: () => Promise<SwitchNotifier>;
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
    const abuseScores = createMemoryAbuseScoreStore();
    return {
      limiter: createMemoryRateLimiter(),
      idempotency: createMemoryIdempotencyStore(),
      toolBudgets,
      abuseScores,
      description: 'in-process',
      readiness: [],
      close: async () => {
        await toolBudgets.close();
        await abuseScores.close();
      },
    };
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
  const abuseScores = createRedisAbuseScoreStore({ redis, keyPrefix: `${prefix}abuse:` });
  let notifier: Promise<SwitchNotifier> | undefined;
  return {
    limiter,
    idempotency,
    toolBudgets,
    abuseScores,
    switchNotifier: () => (notifier ??= createRedisSwitchNotifier({ redis, channel: `${prefix}switches` })),
    description: 'redis',
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
    close: async () => {
      await limiter.close();
      await idempotency.close();
      await toolBudgets.close();
      await abuseScores.close();
      await notifier?.then((opened) => opened.close()).catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** The guard engine with the configured policy file, or the built-in default policy. */
export async function createEngine(config: GatewayConfig): Promise<GuardEngine> {
  return (await loadConfiguredPolicy(config)).engine;
}

/** The configured policy file (or the built-in default policy): its text, and the engine compiled from it. */
export async function loadConfiguredPolicy(config: GatewayConfig): Promise<{ text: string; engine: GuardEngine; registry: DetectorRegistry }> {
  const registry = createDetectorRegistry(builtinDetectors);
  const { text, shown } = await readPolicyFile(config.policy ?? defaultPolicyPath);
  return { text, engine: createGuardEngine({ policy: parsePolicy({ text, file: shown, registry }) }), registry };
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
  const configured = await loadConfiguredPolicy(config);
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
  const running = await startOperations({ config, stores, limitStores, registry: configured.registry, configured, writer, logger, metrics }).catch(async (error: unknown) => {
    await writer.close();
    await limitStores.close();
    await stores.close();
    throw error;
  });
  const app = createGatewayApp({
    config,
    operations: running.operations,
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

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(retention);
      await retaining;
      await app.close();
      await running.close();
      await writer.close();
      await models.close();
      await limitStores.close();
      await stores.close();
      await tracing.shutdown();
    })());
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    // A port in use: nothing started is left running.
    await close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  logger.info({ url, storage: stores.description, limits: limitStores.description, policy: running.operations.policies.active.engine.policy.name, models: models.routes.list().map((route) => route.name) }, 'gateway listening');

  return { url, ...(bootstrap === undefined ? {} : { bootstrapKey: bootstrap.key }), close };
}
