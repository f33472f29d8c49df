import type { Tracer } from '@opentelemetry/api';
import type { AuditStore } from '../audit/audit-store.js';
import type { AuditWriter } from '../audit/audit-writer.js';
import type { GatewayConfig } from '../config/load-config.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';
import type { KeyStore } from '../keys/key-store.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { ReportStore } from '../review/report-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { ToolGate } from './completion/gate-tool-calls.js';
import type { ModelRoutes } from './completion/model-routes.js';
import type { GatewayOperations } from './operations/gateway-operations.js';

/** A store's health, for `/readyz`. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/**
 * Everything the gateway needs, built once by the composition root (src/main.ts) and passed in:
 * the gateway never opens a database or reads the environment itself.
 */
export interface GatewayDependencies {
  config: GatewayConfig;
  /** Kill switches, policy versions and rollouts (which engine decides a request), abuse response, alerts. */
  operations: GatewayOperations;
  keys: KeyStore;
  limiter: RateLimiter;
  idempotency: IdempotencyStore;
  /** `writer.append` resolves once the event is durable; `store` serves queries, verification and export. */
  audit: { writer: AuditWriter; store: AuditStore };
  models: ModelRoutes;
  /** Tool gating: the key tool tokens are signed with, approval requests, per-tool budgets. */
  tools: ToolGate;
  /** User reports of bad answers and wrong blocks, the review queue behind `/v1/reports` and `/admin/v1/reports`. */
  reports: ReportStore;
  metrics: Metrics;
  logger: Logger;
  tracer: Tracer;
  readiness: readonly ReadinessCheck[];
  now?: () => Date;
}
