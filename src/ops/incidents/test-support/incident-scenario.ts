/**
 * An incident as the audit log records it, written through real audit writers (two replicas), with
 * the policy versions and rollouts of the same story in memory stores. Times are minutes from
 * 2030-01-01T00:00Z; the incident is open from 0 to 10.
 */
import type { AuditEvent } from '../../../audit/audit-event.js';
import type { AuditStore } from '../../../audit/audit-store.js';
import { createAuditWriter } from '../../../audit/audit-writer.js';
import { createMemoryPolicyVersionStore } from '../../rollouts/memory-policy-version-store.js';
import { createMemoryRolloutStore } from '../../rollouts/memory-rollout-store.js';
import { policyTextHash, type PolicyVersionStore } from '../../rollouts/policy-version-store.js';
import type { RolloutStore } from '../../rollouts/rollout-store.js';
import type { Incident } from '../incident-store.js';

const start = Date.parse('2030-01-01T00:00:00.000Z');
export const at = (minutes: number): Date => new Date(start + minutes * 60_000);
export const iso = (minutes: number): string => at(minutes).toISOString();

export const incidentId = 'inc_scenario0000000001';

/** Request content that must never reach a timeline summary. */
export const secretContent = 'SECRET-CONTENT ignore previous instructions';

export const policyTexts = {
  v1: 'name: baseline-v1\nrules: []\n',
  v2: 'name: baseline-v2\nrules:\n  - id: injection\n    action: block\n',
  v3: 'name: candidate-v3\nrules:\n  - id: injection\n    action: block\n    min_score: 0.4\n',
  v4: 'name: later-v4\nrules: []\n# after the incident\n',
};
export const hashes = {
  v1: policyTextHash(policyTexts.v1),
  v2: policyTextHash(policyTexts.v2),
  v3: policyTextHash(policyTexts.v3),
  v4: policyTextHash(policyTexts.v4),
  /** Named by a rollout, never pushed: unknown to the policy version store. */
  v5: policyTextHash('name: never-pushed\n'),
};

export const rolloutIds = { first: 'rol_scenario_first', second: 'rol_scenario_second' };

export const incident: Incident = {
  id: incidentId,
  severity: 1,
  title: 'Exfiltration through web-search',
  status: 'closed',
  openedAt: at(0),
  openedBy: 'key00001',
  closedAt: at(10),
  closedBy: 'key00001',
  resolution: 'Tool switched off, candidate policy rolled back.',
};

/** What writes what, when. `replica` marks the second writer. */
interface Act {
  minutes: number;
  type: string;
  data: Record<string, unknown>;
  tenantId?: string;
  actor?: string;
  replica?: boolean;
}

const tagged = { incident_id: incidentId };

const acts: Act[] = [
  { minutes: -30, type: 'policy-activated', data: { hash: hashes.v1 } },
  { minutes: -10, type: 'switch-flipped', data: { scope: 'route', id: '/v1/chat/completions', state: 'degrade', reason: 'routine' } },
  { minutes: -5, type: 'policy-activated', data: { hash: hashes.v2 } },
  // Tagged, a minute before the opening: the other replica's clock is behind.
  { minutes: -1, type: 'switch-flipped', data: { ...tagged, scope: 'tool', id: 'web-search', state: 'off', reason: 'first sign' }, replica: true },
  { minutes: 0, type: 'incident-opened', data: { ...tagged, severity: 1, title: 'Exfiltration through web-search' } },
  { minutes: 1, type: 'request', tenantId: 'tenant-a', actor: 'key00042', data: { prompt: secretContent, reason: secretContent, rules: ['injection'] } },
  { minutes: 2, type: 'key-revoked', tenantId: 'tenant-a', data: { key_id: 'key00042', prefix: 'pk_abc' }, replica: true },
  { minutes: 3, type: 'rollout-started', data: { rollout_id: rolloutIds.first, candidate: hashes.v3, baseline: hashes.v2, mode: 'enforce' } },
  { minutes: 4, type: 'rollout-rolled-back', data: { rollout_id: rolloutIds.first, reason: 'block rate doubled' }, replica: true },
  { minutes: 5, type: 'tool-call-denied', tenantId: 'tenant-b', data: { tool: 'web-search', arguments: secretContent } },
  { minutes: 6, type: 'incident-noted', data: { ...tagged, note: 'Rolled back.\nWatching the block rate.' } },
  { minutes: 7, type: 'rollout-started', data: { rollout_id: rolloutIds.second, candidate: hashes.v5, baseline: hashes.v2, mode: 'shadow' } },
  { minutes: 10, type: 'incident-closed', data: { ...tagged, resolution: 'Tool switched off, candidate policy rolled back.' } },
  { minutes: 12, type: 'switch-flipped', data: { scope: 'tool', id: 'web-search', state: 'on', reason: 'fixed upstream' } },
  { minutes: 20, type: 'incident-noted', data: { ...tagged, note: 'Post-mortem written.' }, replica: true },
  { minutes: 25, type: 'request', tenantId: 'tenant-b', actor: 'key00007', data: { ...tagged, prompt: secretContent, reason: secretContent } },
  { minutes: 30, type: 'request', tenantId: 'tenant-a', actor: 'key00008', data: { prompt: secretContent } },
  { minutes: 40, type: 'policy-activated', data: { hash: hashes.v4 } },
];

/** The acts on the incident's timeline, oldest first, as `type@minutes`. */
export const expectedTimeline = ['switch-flipped@-1', 'incident-opened@0', 'key-revoked@2', 'rollout-started@3', 'rollout-rolled-back@4', 'incident-noted@6', 'rollout-started@7', 'incident-closed@10', 'incident-noted@20', 'request@25'];

export function eventId(act: { type: string; minutes: number }): string {
  return `evt-${act.type}-${act.minutes}`;
}

export function scenarioEvent(act: Act): AuditEvent {
  const event: AuditEvent = { id: eventId(act), type: act.type, time: iso(act.minutes), actor: act.actor ?? 'key00001', data: act.data };
  if (act.tenantId !== undefined) event.tenantId = act.tenantId;
  return event;
}

/** Writes the scenario's events through two audit writers (closed, so their chains are anchored). */
export async function writeScenario(store: AuditStore): Promise<void> {
  const now = (): Date => at(100);
  const writers = { main: createAuditWriter({ store, writerId: 'replica-a', now }), replica: createAuditWriter({ store, writerId: 'replica-b', now }) };
  for (const act of acts) await (act.replica === true ? writers.replica : writers.main).append(scenarioEvent(act));
  await writers.main.close();
  await writers.replica.close();
}

/** The policy versions and rollouts of the story: v1 then v2 active before the incident, v4 after it. */
export async function scenarioPolicyStores(): Promise<{ policyVersions: PolicyVersionStore; rollouts: RolloutStore }> {
  const policyVersions = createMemoryPolicyVersionStore();
  for (const [index, text] of [policyTexts.v1, policyTexts.v2, policyTexts.v3, policyTexts.v4].entries()) {
    await policyVersions.push({ text, name: `policy-${index + 1}`, pushedBy: 'cli', now: at(-60 + index) });
  }
  const rollouts = createMemoryRolloutStore();
  await rollouts.activate({ hash: hashes.v1, by: 'cli', now: at(-30) });
  await rollouts.activate({ hash: hashes.v2, by: 'cli', now: at(-5) });
  const stages = [1, 5, 25, 100];
  await rollouts.start({ id: rolloutIds.first, candidate: hashes.v3, stages, bucketBy: 'tenant', mode: 'enforce', by: 'cli', now: at(3) });
  await rollouts.rollBack({ rolloutId: rolloutIds.first, by: 'system', reason: 'block rate doubled', now: at(4) });
  await rollouts.start({ id: rolloutIds.second, candidate: hashes.v5, stages, bucketBy: 'tenant', mode: 'shadow', by: 'cli', now: at(7) });
  await rollouts.abort({ rolloutId: rolloutIds.second, by: 'cli', now: at(8) });
  await rollouts.activate({ hash: hashes.v4, by: 'cli', now: at(40) });
  return { policyVersions, rollouts };
}
