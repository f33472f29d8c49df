import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { DetectorHit, Severity } from '../../core/finding.js';
import { defineDetector } from '../define-detector.js';
import { resolveOverlappingHits } from '../resolve-overlapping-hits.js';
import { findEmails } from './find-emails.js';
import { findIbans } from './find-ibans.js';
import { findIpAddresses } from './find-ip-addresses.js';
import { findPaymentCards } from './find-payment-cards.js';
import { findPhoneNumbers } from './find-phone-numbers.js';
import { findUsSsns } from './find-us-ssns.js';
import { piiEntities, type PiiCandidate, type PiiEntity } from './pii-candidate.js';

const entityTraits: Readonly<Record<PiiEntity, { label: string; severity: Severity }>> = {
  email: { label: 'EMAIL', severity: 'medium' },
  phone: { label: 'PHONE', severity: 'medium' },
  credit_card: { label: 'CREDIT_CARD', severity: 'high' },
  iban: { label: 'IBAN', severity: 'high' },
  us_ssn: { label: 'US_SSN', severity: 'high' },
  ip_address: { label: 'IP_ADDRESS', severity: 'low' },
};

const configSchema = z
  .object({
    entities: z.array(z.enum(piiEntities)).min(1).default([...piiEntities]),
    /** Regions tried, in order, for phone numbers written without a country code. */
    phone_regions: z
      .array(z.string().refine((region) => isSupportedCountry(region), { message: 'not a region libphonenumber knows (use ISO 3166 alpha-2, e.g. "US")' }))
      .default(['US', 'GB', 'DE', 'FR', 'IN', 'CA', 'AU']),
    /** Candidates scoring below this are dropped before the policy sees them. */
    min_score: z.number().min(0).max(1).default(0.3),
  })
  .strict();

type PiiConfig = z.output<typeof configSchema>;

const hasDigit = /\d/;

function findCandidates(text: string, config: PiiConfig): PiiCandidate[] {
  const wanted = new Set(config.entities);
  const candidates: PiiCandidate[] = [];
  if (wanted.has('email') && text.includes('@')) candidates.push(...findEmails(text));
  if (hasDigit.test(text)) {
    if (wanted.has('credit_card')) candidates.push(...findPaymentCards(text));
    if (wanted.has('iban')) candidates.push(...findIbans(text));
    if (wanted.has('us_ssn')) candidates.push(...findUsSsns(text));
    if (wanted.has('phone')) candidates.push(...findPhoneNumbers(text, config.phone_regions as CountryCode[]));
    if (wanted.has('ip_address')) candidates.push(...findIpAddresses(text));
  }
  return candidates.filter((candidate) => candidate.score >= config.min_score);
}

export const piiDetector = defineDetector({
  id: 'pii',
  description:
    'Personal data: e-mail addresses, phone numbers (libphonenumber), payment cards (Luhn + issuer), IBANs (mod-97), US SSNs and IP addresses, scored with the words around them.',
  stages: ['input', 'output'],
  configSchema,
  run(input, config) {
    const hits: DetectorHit[] = [];
    for (const target of input.text.targets('clean')) {
      const targetHits: DetectorHit[] = [];
      for (const candidate of findCandidates(target.text, config)) {
        const traits = entityTraits[candidate.entity];
        const hit: DetectorHit = {
          category: `pii.${candidate.entity}`,
          score: candidate.score,
          severity: traits.severity,
          spans: [target.span(candidate.start, candidate.end)],
          evidence: candidate.evidence,
          label: traits.label,
        };
        if (target.encoding !== undefined) hit.encoding = target.encoding;
        targetHits.push(hit);
      }
      hits.push(...resolveOverlappingHits(targetHits));
    }
    return hits;
  },
});
