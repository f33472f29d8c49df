import { characterClasses, shannonEntropy } from '../entropy.js';

/**
 * Credentials the secretlint preset does not cover: Stripe keys, Google API keys, JWTs, and
 * generic `password = …` style assignments whose value looks random.
 */
export interface SecretMatch {
  rule: string;
  start: number;
  end: number;
  score: number;
}

interface PatternRule {
  rule: string;
  pattern: RegExp;
  score: (value: string) => number;
}

function isJwt(token: string): boolean {
  const header = token.slice(0, token.indexOf('.'));
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && 'alg' in decoded;
  } catch {
    return false;
  }
}

const patternRules: readonly PatternRule[] = [
  { rule: 'stripe', pattern: /(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}(?![A-Za-z0-9])/g, score: (value) => (value.includes('_live_') ? 0.97 : 0.8) },
  { rule: 'stripe-webhook', pattern: /(?<![A-Za-z0-9])whsec_[A-Za-z0-9+/=]{24,}(?![A-Za-z0-9+/=])/g, score: () => 0.9 },
  { rule: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g, score: () => 0.95 },
  {
    rule: 'jwt',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g,
    score: (value) => (isJwt(value) ? 0.9 : 0),
  },
];

const assignment =
  /(?<![A-Za-z0-9])(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|client[_-]?secret|private[_-]?key|credentials?)\b["']?[ \t]{0,3}(?:[:=]|=>|:=|\bis\b)[ \t]{0,3}["']?([^\s"'`,;]{8,200})/gi;
/** Values that stand for a credential without being one: masks, template variables, "your-api-key". */
const placeholder =
  /^(?:x+|\*+|\.+|-+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[a-z_]+%|\$[A-Z_][A-Z0-9_]*|(?:your|my|the|an?)[_-]?(?:api[_-]?|access[_-]?|secret[_-]?|auth[_-]?|app[_-]?)?(?:key|token|secret|password|pass|pwd|credentials?)(?:[_-]?here)?|change[_-]?me|example|placeholder|redacted|dummy|sample|null|none|true|false|undefined|required|optional|string|secret|password)$/i;

/** Generic credential assignments: a key-like name, then a value that is long and random enough. */
function findAssignments(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const match of text.matchAll(assignment)) {
    const value = match[1] as string;
    if (placeholder.test(value)) continue;
    const entropy = shannonEntropy(value);
    const classes = characterClasses(value);
    if (entropy < 3 || (classes < 2 && value.length < 20)) continue;
    const start = match.index + match[0].length - value.length;
    const score = Math.round(Math.min(0.9, 0.5 + (entropy - 3) * 0.25 + (classes >= 3 ? 0.1 : 0)) * 1000) / 1000;
    found.push({ rule: 'generic-credential', start, end: start + value.length, score });
  }
  return found;
}

const hint = /sk_|rk_|whsec_|AIza|eyJ|pass|pwd|secret|token|key|credential/i;

export function findPalisadeSecrets(text: string): SecretMatch[] {
  if (!hint.test(text)) return [];
  const found: SecretMatch[] = [];
  for (const { rule, pattern, score } of patternRules) {
    for (const match of text.matchAll(pattern)) {
      const value = score(match[0]);
      if (value > 0) found.push({ rule, start: match.index, end: match.index + match[0].length, score: value });
    }
  }
  found.push(...findAssignments(text));
  return found;
}
