import { z } from 'zod';
import type { DetectorHit } from '../../core/finding.js';
import type { ScanTarget } from '../../text/normalized-text.js';
import { defineDetector } from '../define-detector.js';
import { resolveOverlappingHits } from '../resolve-overlapping-hits.js';
import { findPalisadeSecrets, type SecretMatch } from './palisade-secret-rules.js';
import { gatedSecretlintRules, runSecretlint } from './secretlint-rules.js';

const configSchema = z
  .object({
    /** Run the generic `password = …` assignment rule (entropy-checked) as well as provider rules. */
    generic_assignments: z.boolean().default(true),
  })
  .strict();

function toHit({ target, match, source }: { target: ScanTarget; match: SecretMatch; source: 'secretlint' | 'palisade' }): DetectorHit {
  const generic = match.rule === 'generic-credential';
  const hit: DetectorHit = {
    category: `secret.${match.rule}`,
    score: match.score,
    severity: generic ? 'high' : 'critical',
    spans: [target.span(match.start, match.end)],
    evidence: { rule: match.rule, rule_set: source, length: match.end - match.start },
    label: 'SECRET',
  };
  if (target.encoding !== undefined) hit.encoding = target.encoding;
  return hit;
}

export const secretsDetector = defineDetector({
  id: 'secrets',
  description:
    "Credentials: secretlint's recommended preset (AWS, GCP, GitHub, GitLab, Slack, OpenAI, Anthropic, private keys, connection strings and more), plus Stripe, Google API keys, JWTs and high-entropy password/token assignments.",
  stages: ['input', 'output'],
  configSchema,
  run(input, config) {
    const hits: DetectorHit[] = [];
    const pending: Promise<void>[] = [];
    for (const target of input.text.targets('clean')) {
      for (const match of findPalisadeSecrets(target.text)) {
        if (match.rule !== 'generic-credential' || config.generic_assignments) hits.push(toHit({ target, match, source: 'palisade' }));
      }
      const rules = gatedSecretlintRules(target.text);
      if (rules.length > 0) {
        pending.push(
          runSecretlint(target.text, rules).then((matches) => {
            for (const match of matches) hits.push(toHit({ target, match: { ...match, score: 0.99 }, source: 'secretlint' }));
          }),
        );
      }
    }
    if (pending.length === 0) return resolveOverlappingHits(hits);
    return Promise.all(pending).then(() => resolveOverlappingHits(hits));
  },
});
