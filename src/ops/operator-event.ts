/**
 * An operator's act as the audit log records it (`switch-flipped`, `policy-activated`,
 * `rollout-rolled-back`…; see `src/audit/operational-events.ts`). The admin API and the CLI make
 * the same acts through the same functions (`flip-switch.ts`, `policy-version-actions.ts`,
 * `rollout-actions.ts`, `abuse-actions.ts`), which describe them with these events; the caller
 * appends them to its audit writer.
 */
export interface OperatorEvent {
  type: string;
  /** The admin key's id (never the key), `cli` or `system`. */
  actor: string;
  tenantId?: string;
  /** ISO 8601; default: when it is appended. */
  time?: string;
  /** snake_case: what changed, the reason, and `incident_id` when one was given. */
  data: Record<string, unknown>;
}

export type RecordOperatorEvent = (event: OperatorEvent) => Promise<void>;
