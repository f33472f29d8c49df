import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicyPath } from '../../policy/load-policy.js';

/** A word in a user's message that makes the policy below hold the request for a person (`escalate`). */
export const escalatedWord = 'lawsuit';
/** A phrase that makes it hold the request for approval (`require_approval`). */
export const approvalPhrase = 'wire transfer';

/**
 * A policy file: the shipped default policy plus two keyword rules that hold requests rather
 * than deliver them: a legal question is escalated, a payment request needs an approval. Returns
 * the file's path; it lives in a temporary directory.
 */
export function escalatingPolicy(): string {
  const defaults = readFileSync(defaultPolicyPath, 'utf8');
  const detectors = '  custom_rules:\n    config:\n      rules: []\n';
  const rules = '\nrules:\n';
  if (!defaults.includes(detectors) || !defaults.includes(rules)) throw new Error('the default policy changed shape: update escalatingPolicy()');
  const text = defaults
    .replace(
      detectors,
      `  custom_rules:\n    config:\n      rules:\n        - id: legal\n          category: custom.legal\n          keywords: [${escalatedWord}]\n        - id: payment\n          category: custom.payment\n          keywords: [${approvalPhrase}]\n`,
    )
    .replace(
      rules,
      `\nrules:\n  - id: legal-to-counsel\n    description: Legal questions go to a person.\n    category: custom.legal\n    action: escalate\n  - id: payment-needs-approval\n    category: custom.payment\n    action: require_approval\n`,
    );
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-policy-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}
