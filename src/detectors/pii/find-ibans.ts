import type { PiiCandidate } from './pii-candidate.js';

/** IBAN length per country (ISO 13616 registry). */
const ibanLengths: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

const candidatePattern = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){10,30}/g;

/** ISO 7064 mod 97-10 over the rearranged IBAN, computed piecewise to stay within safe integers. */
export function passesMod97(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index++) {
    const code = rearranged.charCodeAt(index);
    const value = code <= 57 ? code - 48 : code - 55;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** IBANs: known country, that country's exact length, mod-97 check digits. Case and grouping spaces are tolerated. */
export function findIbans(text: string): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  candidatePattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = candidatePattern.exec(text)) !== null) {
    const country = match[0].slice(0, 2).toUpperCase();
    const length = ibanLengths[country];
    if (length === undefined) continue;
    let compact = '';
    let end = match.index;
    for (; end < match.index + match[0].length && compact.length < length; end++) {
      const char = text[end] as string;
      if (char !== ' ') compact += char.toUpperCase();
    }
    const next = text.charCodeAt(end);
    const runsOn = (next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
    if (compact.length !== length || runsOn || !passesMod97(compact)) continue;
    found.push({ entity: 'iban', start: match.index, end, score: 0.95, evidence: { entity: 'iban', country, checksum: 'mod97' } });
    candidatePattern.lastIndex = end;
  }
  return found;
}
