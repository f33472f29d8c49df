import type { PiiCandidate } from './pii-candidate.js';

/** Letters beyond ASCII, for internationalised addresses (RFC 6531); punctuation and spaces excluded. */
function isWideLetter(code: number): boolean {
  return code >= 0xc0 && !(code >= 0x2000 && code <= 0x206f) && !(code >= 0x3000 && code <= 0x303f) && code !== 0xfeff;
}

function isLocalCode(code: number): boolean {
  // A-Z a-z 0-9 . _ % + -
  return (
    isWideLetter(code) ||
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 46 ||
    code === 95 ||
    code === 37 ||
    code === 43 ||
    code === 45
  );
}

function isDomainCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 46 || code === 45 || isWideLetter(code);
}

const topLevelDomain = /\.\p{L}{2,24}$/u;

/**
 * E-mail addresses, found by expanding around each '@' rather than by a regular expression, so
 * the cost stays linear on long runs of address-like characters.
 */
export function findEmails(text: string): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  let at = text.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 64 && isLocalCode(text.charCodeAt(start - 1))) start--;
    while (start < at && text.charCodeAt(start) === 46) start++;
    let end = at + 1;
    while (end < text.length && end - at <= 253 && isDomainCode(text.charCodeAt(end))) end++;
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
    const domain = text.slice(at + 1, end);
    if (start < at && topLevelDomain.test(domain) && !domain.includes('..') && !domain.startsWith('.')) {
      found.push({ entity: 'email', start, end, score: 0.95, evidence: { entity: 'email', length: end - start } });
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
  return found;
}
