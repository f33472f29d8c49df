import type { AuditEvent } from '../../audit/audit-event.js';
import type { AbuseResponse } from '../../ops/abuse/abuse-response.js';
import type { AbuseOverrideStore } from '../../ops/abuse/abuse-override-store.js';
import type { AlertSender } from '../../ops/alerts/alert-sender.js';
import type { IncidentStore } from '../../ops/incidents/incident-store.js';
import type { PolicyVersionStore } from '../../ops/rollouts/policy-version-store.js';
import type { RolloutStore } from '../../ops/rollouts/rollout-store.js';
import type { ShadowStore } from '../../ops/rollouts/shadow-store.js';
import type { SwitchBoard } from '../../ops/switches/switch-board.js';
import type { SwitchStore } from '../../ops/switches/switch-store.js';
import type { PolicySelector } from './policy-selector.js';
import type { RolloutController } from './rollout-controller.js';
import type { RolloutObserver } from './rollout-observer.js';

/**
 * The operations side of the gateway (docs/operations.md), built by the composition root: what the
 * request path asks (switches, policy selection, abuse status) and what the admin API changes.
 */
export interface GatewayOperations {
  /** This replica's view of the kill switches, evaluated per request. */
  switchBoard: SwitchBoard;
  /** Where flips are written: announces each one to every replica. */
  switches: SwitchStore;
  policies: PolicySelector;
  versions: PolicyVersionStore;
  rollouts: RolloutStore;
  shadow: ShadowStore;
  observer: RolloutObserver;
  controller: RolloutController;
  /** Absent when `operations.abuse.enabled` is false. */
  abuse?: AbuseResponse;
  abuseOverrides: AbuseOverrideStore;
  alerts: AlertSender;
  incidents: IncidentStore;
  /** Compiles a policy text as the gateway would (checks a push before it is stored). */
  checkPolicy: (text: string, name: string) => { name: string };
  /** Appends an operational event to the audit log (and so to the timeline of every open incident). */
  record: (event: Omit<AuditEvent, 'id' | 'time'> & { time?: string }) => Promise<void>;
}
