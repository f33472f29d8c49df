/**
 * The composition root's operations part (docs/operations.md): from the opened stores to the
 * running parts the gateway asks on every request — the switch board, the policy selector and its
 * rollout controller, abuse response, alerts — and the audit events they write.
 *
 * The configured policy (the file, or the built-in default) is pushed as a policy version at every
 * start, and activated when no version is active yet or when its text is new (a deployed change
 * of the file), unless a rollout runs. A restart with the same file changes nothing, so a version
 * an operator activated, or a rollout completed, stays in force; every replica follows the
 * store's active version.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from './audit/audit-event.js';
import type { AuditWriter } from './audit/audit-writer.js';
import type { GatewayConfig } from './config/load-config.js';
import type { DetectorRegistry } from './detectors/detector-registry.js';
import { createRolloutController, type RolloutTransitionReport } from './gateway/operations/rollout-controller.js';
import { createRolloutObserver } from './gateway/operations/rollout-observer.js';
import { createPolicySelector } from './gateway/operations/policy-selector.js';
import type { GatewayOperations } from './gateway/operations/gateway-operations.js';
import { abusePolicyFromConfig } from './abuse-policy-from-config.js';
import { abuseStateChangeEvent } from './ops/abuse/abuse-actions.js';
import { createAbuseResponse, type AbuseStateChange } from './ops/abuse/abuse-response.js';
import { createAlertSender, type AlertSender } from './ops/alerts/alert-sender.js';
import type { Alert } from './ops/alerts/alert.js';
import { openIncident } from './ops/incidents/incident-actions.js';
import { policyTextHash } from './ops/rollouts/policy-version-store.js';
import type { RolloutHealthThresholds } from './ops/rollouts/rollout-health.js';
import { createSwitchBoard } from './ops/switches/switch-board.js';
import { openSwitchFlips } from './open-switch-flips.js';
import { createGuardEngine, type GuardEngine } from './pipeline/guard-engine.js';
import { parsePolicy } from './policy/load-policy.js';
import type { Logger } from './telemetry/logger.js';
import type { Metrics } from './telemetry/metrics.js';
import type { LimitStores, Stores } from './main.js';

export interface StartOperationsOptions {
  config: GatewayConfig;
  stores: Stores;
  limitStores: LimitStores;
  registry: DetectorRegistry;
  /** The configured policy's text and the engine compiled from it. */
  configured: { text: string; engine: GuardEngine };
  writer: AuditWriter;
  logger: Logger;
  metrics: Metrics;
}

export interface RunningOperations {
  operations: GatewayOperations;
  close(): Promise<void>;
}

/** Health thresholds from the configuration; `null` switches a check off. */
function thresholdsFrom(health: GatewayConfig['operations']['rollouts']['health']): RolloutHealthThresholds {
  const thresholds: RolloutHealthThresholds = { minSamples: health.min_samples };
  if (health.max_block_rate_increase_points !== null) thresholds.maxBlockRateIncreasePoints = health.max_block_rate_increase_points;
  if (health.max_detector_error_percent !== null) thresholds.maxDetectorErrorPercent = health.max_detector_error_percent;
  if (health.max_p99_latency_ms !== null) thresholds.maxP99LatencyMs = health.max_p99_latency_ms;
  if (health.max_user_reports !== null) thresholds.maxUserReports = health.max_user_reports;
  return thresholds;
}

function abuseAlert(change: AbuseStateChange): Alert | undefined {
  if (change.to !== 'suspended' || change.cause !== 'escalated') return undefined;
  return {
    kind: 'subject-suspended',
    severity: 'warning',
    title: `${change.subject.kind} suspended after repeated policy violations`,
    text: `The ${change.subject.kind} reached score ${change.score ?? '?'} and is suspended${change.until === undefined ? '' : ` until ${change.until.toISOString()}`}. Lift it with \`palisade abuse clear ${change.subject.kind} <id> --reason …\` if this is a mistake.`,
    at: change.at,
    details: { subject_kind: change.subject.kind, subject_id: change.subject.id, score: change.score ?? null, until: change.until?.toISOString() ?? null, masked_by_override: change.masked === true },
  };
}

export async function startOperations(options: StartOperationsOptions): Promise<RunningOperations> {
  const { config, stores, limitStores, logger, metrics, writer } = options;
  const settings = config.operations;
  const record = async (event: Omit<AuditEvent, 'id' | 'time'> & { time?: string }): Promise<void> => {
    await writer.append({ ...event, id: randomUUID(), time: event.time ?? new Date().toISOString() });
  };

  // The configured policy, as a version.
  const configuredHash = policyTextHash(options.configured.text);
  const configuredName = options.configured.engine.policy.name;
  const pushed = await stores.policyVersions.push({ text: options.configured.text, name: configuredName, pushedBy: 'config', now: new Date() });
  if (pushed.created) await record({ type: 'policy-pushed', actor: 'system', data: { hash: configuredHash, name: configuredName, source: 'config' } });
  // Activated when there is no active version yet, or when this text was never pushed before (the
  // operator deployed a new file). A restart with the same file leaves alone whatever an operator
  // activated or a rollout completed since.
  const state = await stores.rollouts.state();
  if (state.active?.hash !== configuredHash && (state.active === undefined || pushed.created)) {
    if (state.rollout !== undefined) {
      logger.warn({ active: state.active?.hash.slice(0, 12), configured: configuredHash.slice(0, 12), rollout: state.rollout.id }, 'a rollout is running, so the new configured policy was stored but not activated; the active version stays in force');
    } else {
      const activated = await stores.rollouts.activate({ hash: configuredHash, by: 'config', now: new Date(), ifVersion: state.version });
      if (activated.state === 'activated') await record({ type: 'policy-activated', actor: 'system', data: { source: 'config', hash: configuredHash, name: configuredName, previous: state.active?.hash ?? null, reason: state.active === undefined ? 'the configured policy, the first version' : 'a new configured policy at start' } });
      else if (activated.state === 'version_mismatch') logger.warn({ configured: configuredHash.slice(0, 12) }, 'another replica changed the policy versions while this one started; the store\'s active version stays in force');
    }
  } else if (state.active?.hash !== configuredHash) {
    logger.info({ active: state.active?.hash.slice(0, 12), configured: configuredHash.slice(0, 12) }, 'the active policy version is not the configured file (an operator activated it, or a rollout completed); it stays in force');
  }

  const alerts: AlertSender = createAlertSender({
    targets: settings.alerts.webhooks.map((webhook, index) => ({ url: config.alertUrls[index] as string, format: webhook.format, ...(webhook.name === undefined ? {} : { name: webhook.name }) })),
    onDelivery: (report) => {
      metrics.alertDeliveries.inc({ outcome: report.outcome });
      if (report.outcome !== 'delivered') logger.warn({ alert: report.kind, target: report.target, outcome: report.outcome, attempts: report.attempts, status: report.status, err: report.error }, 'an alert was not delivered');
    },
  });

  // Kill switches: notices from Redis pub/sub (when Redis is configured) or PostgreSQL LISTEN/NOTIFY; always the periodic re-read.
  const { switches, notifier } = await openSwitchFlips({
    stores,
    limitStores,
    listen: true,
    onNotifierError: (error) => logger.warn({ err: String(error) }, 'kill-switch notices are unavailable; replicas pick flips up at their periodic re-read'),
    onPublishError: (error) => logger.warn({ err: String(error) }, 'a switch flip was stored but not announced; replicas pick it up at their periodic re-read'),
  });
  const switchBoard = await createSwitchBoard({
    store: stores.switches,
    ...(notifier === undefined ? {} : { notifier }),
    // Without notices (the embedded SQLite file), re-reading often is what keeps replicas within a second.
    refreshIntervalMs: notifier === undefined ? Math.min(settings.switches.refresh_ms, 1_000) : settings.switches.refresh_ms,
    retryAfterSeconds: settings.switches.retry_after_seconds,
    onError: (error) => logger.warn({ err: String(error) }, 'reading the kill switches failed; the last ones read stay in force'),
  });

  const compile = (text: string, name: string): GuardEngine => createGuardEngine({ policy: parsePolicy({ text, file: name, registry: options.registry }) });
  const policies = await createPolicySelector({
    versions: stores.policyVersions,
    rollouts: stores.rollouts,
    compile,
    initial: { version: configuredHash, engine: options.configured.engine },
    refreshMs: settings.rollouts.refresh_ms,
    onError: (error, context) => logger.error({ err: String(error) }, context),
    onChange: (changed) => logger.info({ active: changed.active.version.slice(0, 12), rollout: changed.rollout?.id, percent: changed.rollout?.percent, mode: changed.rollout?.mode }, 'policy versions in force changed'),
  }).catch(async (error: unknown) => {
    // Nothing started is left running.
    await switchBoard.close();
    await alerts.close({ deadlineMs: 0 });
    throw error;
  });

  const observer = createRolloutObserver({
    shadow: stores.shadow,
    contentMode: config.audit.content,
    healthOptions: { windowMs: settings.rollouts.health.window_seconds * 1000 },
    onError: (error) => logger.warn({ err: String(error) }, 'recording a shadow comparison failed'),
    onComparison: ({ disagreed }) => metrics.shadowComparisons.inc({ disagreed: String(disagreed) }),
  });

  const onTransition = async (report: RolloutTransitionReport): Promise<void> => {
    const type = report.kind === 'roll_back' ? 'rollout-rolled-back' : report.kind === 'complete' ? 'rollout-completed' : 'rollout-advanced';
    // An automatic roll-back is an incident: the on-call finds it open, with the roll-back on its timeline.
    // Best effort: the roll-back is done, and its audit event and alert must not depend on the incident store.
    const incident =
      report.kind === 'roll_back'
        ? await openIncident({ incidents: stores.incidents, record }, { severity: 2, title: `Rollout ${report.rollout.id} rolled back automatically`, by: 'system', now: new Date() }).catch((error: unknown) => {
            logger.error({ err: String(error), rollout: report.rollout.id }, 'opening the incident of an automatic roll-back failed; the roll-back stands and is audited');
            return undefined;
          })
        : undefined;
    await record({
      type,
      actor: 'system',
      data: {
        rollout_id: report.rollout.id,
        candidate: report.rollout.candidate,
        baseline: report.rollout.baseline,
        percent: report.rollout.percent,
        reason: report.reason,
        automatic: true,
        ...(incident === undefined ? {} : { incident_id: incident.id }),
        ...(report.health === undefined ? {} : { health: { active: report.health.active, candidate: report.health.candidate } }),
      },
    });
    if (report.kind === 'roll_back') {
      alerts.send({ kind: 'rollout-rolled-back', severity: 'critical', title: `Rollout ${report.rollout.id} was rolled back automatically`, text: report.reason, at: new Date(), details: { rollout_id: report.rollout.id, incident_id: incident?.id ?? null, candidate: report.rollout.candidate.slice(0, 12), baseline: report.rollout.baseline.slice(0, 12) } });
      logger.error({ rollout: report.rollout.id, incident: incident?.id, reason: report.reason }, 'a rollout was rolled back automatically');
    }
  };
  const controller = createRolloutController({
    selector: policies,
    rollouts: stores.rollouts,
    observer,
    thresholds: thresholdsFrom(settings.rollouts.health),
    everyMs: settings.rollouts.control_every_ms,
    onTransition,
    onError: (error) => logger.warn({ err: String(error) }, 'the rollout controller failed a round; it tries again'),
  });

  const abuseSettings = settings.abuse;
  const abuse = abuseSettings.enabled
    ? createAbuseResponse({
        scores: limitStores.abuseScores,
        overrides: stores.abuseOverrides,
        policy: abusePolicyFromConfig(abuseSettings),
        onStateChange: (change) => {
          metrics.abuseStateChanges.inc({ kind: change.subject.kind, state: change.to, cause: change.cause });
          record(abuseStateChangeEvent(change)).catch((error: unknown) => logger.error({ err: String(error) }, 'auditing an abuse state change failed'));
          const alert = abuseAlert(change);
          if (alert !== undefined) alerts.send(alert);
        },
        onError: (error) => logger.warn({ err: String(error) }, 'abuse response: reloading overrides failed'),
      })
    : undefined;

  const operations: GatewayOperations = {
    switchBoard,
    switches,
    policies,
    versions: stores.policyVersions,
    rollouts: stores.rollouts,
    shadow: stores.shadow,
    observer,
    controller,
    ...(abuse === undefined ? {} : { abuse }),
    abuseOverrides: stores.abuseOverrides,
    alerts,
    incidents: stores.incidents,
    checkPolicy: (text, name) => compile(text, name).policy,
    record,
  };
  return {
    operations,
    close: async () => {
      await controller.close();
      policies.close();
      await switchBoard.close();
      await alerts.close({ deadlineMs: 2_000 });
    },
  };
}
