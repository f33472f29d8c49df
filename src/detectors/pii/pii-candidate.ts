import type { Evidence } from '../../core/finding.js';

export const piiEntities = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address'] as const;
export type PiiEntity = (typeof piiEntities)[number];

/** A match in the scanned view, before it is mapped back to the original text. */
export interface PiiCandidate {
  entity: PiiEntity;
  start: number;
  end: number;
  score: number;
  evidence: Evidence;
}
