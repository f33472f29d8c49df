import { rules as presetRules } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { NormalizedText } from '../../text/normalized-text.js';
import { covered, fakeCharacters, runDetector } from '../test-support/run-detector.js';
import { shannonEntropy } from '../entropy.js';
import { secretlintExcluded, secretlintGates } from './secretlint-rules.js';
import { secretsDetector } from './secrets-detector.js';

// Fake credentials in the providers' formats, generated here so no real or real-looking key is committed.
const fake = fakeCharacters(20261122);
const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const upperAlnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const urlSafe = `${alnum}_-`;
const hex = '0123456789abcdef';
const base64 = `${alnum}+/`;

function jwt(): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: 'test-user', iat: 1700000000 })}.${fake(urlSafe, 43)}`;
}

const providerSecrets: readonly { rule: string; secret: string }[] = [
  { rule: 'aws', secret: `AKIA${fake(upperAlnum, 16)}` },
  { rule: 'github', secret: `ghp_${fake(alnum, 36)}` },
  { rule: 'github', secret: `github_pat_${fake(`${alnum}_`, 82)}` },
  { rule: 'gitlab', secret: `glpat-${fake(urlSafe, 20)}` },
  { rule: 'slack', secret: `xoxb-${fake('0123456789', 12)}-${fake('0123456789', 13)}-${fake(alnum, 24)}` },
  { rule: 'openai', secret: `sk-proj-${fake(urlSafe, 74)}T3BlbkFJ${fake(urlSafe, 74)}` },
  { rule: 'anthropic', secret: `sk-ant-api03-${fake(urlSafe, 93)}AA` },
  { rule: 'groq', secret: `gsk_${fake(alnum, 52)}` },
  { rule: 'huggingface', secret: `hf_${fake('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 34)}` },
  { rule: 'npm', secret: `npm_${fake(alnum, 36)}` },
  { rule: 'sendgrid', secret: `SG.${fake(alnum, 22)}.${fake(alnum, 43)}` },
  { rule: 'shopify', secret: `shpat_${fake(hex, 32)}` },
  { rule: 'linear', secret: `lin_api_${fake(alnum, 40)}` },
  { rule: 'hashicorp-vault', secret: `hvs.${fake(urlSafe, 95)}` },
  { rule: 'docker', secret: `dckr_pat_${fake(urlSafe, 27)}` },
  { rule: 'figma', secret: `figd_${fake(urlSafe, 40)}` },
  { rule: 'databricks', secret: `dapi${fake(hex, 32)}` },
  { rule: 'database-connection-string', secret: `postgres://app_user:${fake(alnum, 16)}@db.internal.example:5432/orders` },
  { rule: 'basicauth', secret: `https://deploy:${fake(alnum, 14)}@git.example.com` },
  { rule: 'stripe', secret: `sk_live_${fake(alnum, 24)}` },
  { rule: 'google-api-key', secret: `AIza${fake(urlSafe, 35)}` },
  { rule: 'jwt', secret: jwt() },
];

describe('secrets: provider credentials', () => {
  for (const { rule, secret } of providerSecrets) {
    it(`finds a ${rule} credential and covers it`, async () => {
      const text = `here it is: ${secret} — keep it safe`;
      const hits = await runDetector(secretsDetector, text);
      const hit = hits.find((candidate) => candidate.category === `secret.${rule}`);
      expect(hit, JSON.stringify(hits.map((candidate) => candidate.category))).toBeDefined();
      expect(hit?.score).toBeGreaterThanOrEqual(0.8);
      expect(covered(text, hit === undefined ? [] : [hit])).toEqual([secret]);
    });
  }

  it('finds a private key block', async () => {
    const body = `MII${fake(base64, 160)}`.match(/.{1,64}/g)?.join('\n');
    const text = `key:\n-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`;
    const hits = await runDetector(secretsDetector, text);
    expect(hits.map((hit) => hit.category)).toContain('secret.privatekey');
  });

  it('never puts the secret in the evidence', async () => {
    const secret = `ghp_${fake(alnum, 36)}`;
    const hits = await runDetector(secretsDetector, `token ${secret}`);
    expect(JSON.stringify(hits)).not.toContain(secret.slice(4, 20));
    expect(hits[0]?.label).toBe('SECRET');
  });

  it('finds a credential hidden in base64 and reports the encoded stretch', async () => {
    const secret = `sk_live_${fake(alnum, 24)}`;
    const encoded = Buffer.from(`stripe key ${secret}`).toString('base64');
    const hits = await runDetector(secretsDetector, `cfg ${encoded}`);
    expect(hits).toMatchObject([{ category: 'secret.stripe', encoding: 'base64', spans: [{ start: 4, end: 4 + encoded.length }] }]);
  });

  it('ignores look-alikes that are too short, the wrong shape, or not JWTs', async () => {
    const text = `ghp_short sk_live_ AKIA1234 xoxb- eyJub3QiOiJqd3Qi.eyJub3QiOiJqd3Qi.${fake(urlSafe, 20)} hf_ postgres://localhost/app`;
    expect(await runDetector(secretsDetector, text)).toEqual([]);
  });
});

describe('secrets: generic credential assignments', () => {
  it('finds random-looking values assigned to password, token and key names, covering only the value', async () => {
    const text = 'api_key = "Zq8#Lm2!vR9tK4pW" and DB_PASSWORD: hT7$wQ1zX9&cB3';
    const hits = await runDetector(secretsDetector, text);
    expect(covered(text, hits)).toEqual(['Zq8#Lm2!vR9tK4pW', 'hT7$wQ1zX9&cB3']);
    expect(hits.every((hit) => hit.category === 'secret.generic-credential')).toBe(true);
  });

  it('covers the whole credential when two rules match overlapping parts of it', async () => {
    const stripe = `sk_live_${fake(alnum, 24)}`;
    for (const value of [`abc123XYZ:${stripe}`, `${stripe}!!Zq8Lm2`]) {
      const text = `token=${value} end`;
      expect(covered(text, await runDetector(secretsDetector, text))).toEqual([value]);
    }
  });

  it('flags random values even when they start like a placeholder word', async () => {
    for (const text of ['password = myZq8Lm2vR9tK4pWx7', 'api_key: theZq8Lm2vR9tK4pWx7', 'secret=exampleZq8Lm2vR9tK4']) {
      expect((await runDetector(secretsDetector, text)).map((hit) => hit.category), text).toEqual(['secret.generic-credential']);
    }
  });

  it('ignores placeholders, ordinary words and prose about passwords', async () => {
    const text = [
      'password: changeme',
      'token = <your-token-here>',
      'API_KEY=${API_KEY}',
      'api_key = your_api_key_here',
      'password=$DB_PASSWORD',
      'The password is required for every login attempt.',
      'secret: xxxxxxxxxxxx',
      'the secret of a good sauce is patience',
    ].join('\n');
    expect(await runDetector(secretsDetector, text)).toEqual([]);
  });

  it('can be switched off', async () => {
    const hits = await runDetector(secretsDetector, 'password = Zq8#Lm2!vR9tK4pW', { config: { generic_assignments: false } });
    expect(hits).toEqual([]);
  });

  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});

describe('secrets: the secretlint preset', () => {
  it('has a gate for every rule in the installed preset (an upgrade with a new rule fails here)', () => {
    const known = new Set([...Object.keys(secretlintGates), ...secretlintExcluded]);
    expect(presetRules.map((rule) => rule.meta.id).filter((id) => !known.has(id))).toEqual([]);
  });

  it('does not honour secretlint-disable comments in scanned text', async () => {
    const secret = `ghp_${fake(alnum, 36)}`;
    const hits = await runDetector(secretsDetector, `// secretlint-disable\n${secret}\n// secretlint-enable`);
    expect(hits.map((hit) => hit.category)).toEqual(['secret.github']);
  });

  it('answers synchronously, without running secretlint, for text no gate matches', () => {
    const input = { text: new NormalizedText('an ordinary question about the weather'), stage: 'input', source: 'user' } as const;
    const output = secretsDetector.run(input, secretsDetector.configSchema.parse({}), { signal: new AbortController().signal });
    expect(Array.isArray(output)).toBe(true);
  });
});
