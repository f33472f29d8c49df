import { isIPv6 } from 'node:net';
import { clampScore, contextAdjustment, type ContextWords } from './context-words.js';
import type { PiiCandidate } from './pii-candidate.js';

const octet = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4Pattern = new RegExp(`(?<![\\d.])${octet}(?:\\.${octet}){3}(?!\\d|\\.\\d)`, 'g');
/** Two colons at most four hex digits apart: cheap to find, and every IPv6 address has them. */
const ipv6Hint = /:[0-9A-Fa-f]{0,4}:/;
const ipv6Candidate = /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

const ipContext: ContextWords = {
  raise: ['ip', 'address', 'server', 'host', 'client', 'connect', 'ping', 'blocked', 'login from'],
  lower: ['version', 'v.', 'release', 'build', 'chapter', 'section', 'figure'],
};

/** IPv4 (each octet 0–255, not part of a longer dotted number) and IPv6 (validated by Node's parser). */
export function findIpAddresses(text: string): PiiCandidate[] {
  const found: PiiCandidate[] = [];
  if (text.includes('.')) {
    for (const match of text.matchAll(ipv4Pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (text.charCodeAt(start - 1) === 118 || text.charCodeAt(start - 1) === 86) continue; // "v1.2.3.4"
      const score = 0.8 + contextAdjustment({ text, start, end, words: ipContext, raise: 0.1, lower: 0.5 });
      found.push({ entity: 'ip_address', start, end, score: clampScore(score), evidence: { entity: 'ip_address', version: 4 } });
    }
  }
  if (ipv6Hint.test(text)) {
    for (const match of text.matchAll(ipv6Candidate)) {
      const candidate = match[0];
      const colons = candidate.split(':').length - 1;
      const hexDigits = candidate.replace(/:/g, '').length;
      if (!isIPv6(candidate) || !(colons >= 4 || (candidate.includes('::') && hexDigits >= 6))) continue;
      const start = match.index;
      found.push({ entity: 'ip_address', start, end: start + candidate.length, score: 0.85, evidence: { entity: 'ip_address', version: 6 } });
    }
  }
  return found;
}
