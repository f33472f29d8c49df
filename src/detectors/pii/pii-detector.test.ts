import { describe, expect, it } from 'vitest';
import { covered, runDetector } from '../test-support/run-detector.js';
import { passesMod97 } from './find-ibans.js';
import { cardIssuer, passesLuhn } from './find-payment-cards.js';
import { piiDetector } from './pii-detector.js';

const threshold = 0.5;

async function found(text: string, category: string, config?: unknown): Promise<string[]> {
  const hits = await runDetector(piiDetector, text, { config });
  return covered(text, hits.filter((hit) => hit.category === category && hit.score >= threshold));
}

async function scoreOf(text: string, category: string): Promise<number> {
  const hits = await runDetector(piiDetector, text);
  return Math.max(0, ...hits.filter((hit) => hit.category === category).map((hit) => hit.score));
}

describe('pii: e-mail addresses', () => {
  it('finds addresses with dots, plus tags and sub-domains, with exact spans', async () => {
    expect(await found('Write to jane.doe+news@mail.example.co.uk today.', 'pii.email')).toEqual(['jane.doe+news@mail.example.co.uk']);
    expect(await found('a@example.org,b_c@example.net', 'pii.email')).toEqual(['a@example.org', 'b_c@example.net']);
  });

  it('finds internationalised addresses', async () => {
    expect(await found('écrire à josé@exámple.com ou 用户@例子.广告', 'pii.email')).toEqual(['josé@exámple.com', '用户@例子.广告']);
  });

  it('ignores handles, hosts without a top-level domain and stray at-signs', async () => {
    expect(await found('ping @alice or user@localhost, meet @ 5pm, x@y.z', 'pii.email')).toEqual([]);
  });

  it('stays linear on a long run of address characters', async () => {
    const text = `${'a'.repeat(200_000)}@${'b'.repeat(200_000)}`;
    expect(await found(text, 'pii.email')).toEqual([]);
  });
});

describe('pii: phone numbers', () => {
  it('finds international numbers valid for their country', async () => {
    expect(await found('Call +44 20 7946 0958 or +33 1 42 68 53 00.', 'pii.phone')).toEqual(['+44 20 7946 0958', '+33 1 42 68 53 00']);
    expect(await found('dial 0049 30 901820', 'pii.phone')).toEqual(['0049 30 901820']);
  });

  it('finds national numbers that are valid in a configured region and formatted like phones', async () => {
    expect(await found('my phone is (415) 555-2671', 'pii.phone')).toEqual(['(415) 555-2671']);
    expect(await found('office: 020 7946 0958', 'pii.phone', { phone_regions: ['GB'] })).toEqual(['020 7946 0958']);
  });

  it('rejects invalid international numbers, dates, decimals and version strings', async () => {
    expect(await found('+99 123 456 789 is not a country', 'pii.phone')).toEqual([]);
    expect(await found('on 2024-01-15 and 15/01/2024', 'pii.phone')).toEqual([]);
    expect(await found('pi is 3.14159265 and v1.20.3', 'pii.phone')).toEqual([]);
  });

  it('lowers the score of numbers labelled as something else', async () => {
    expect(await scoreOf('call me on (415) 555-2671', 'pii.phone')).toBeGreaterThan(await scoreOf('invoice total (415) 555-2671', 'pii.phone'));
    expect(await found('order 4155552671 shipped', 'pii.phone')).toEqual([]);
  });

  it('does not read a list of single digits as phone numbers (and stays fast on it)', async () => {
    expect(await found(`call ${'1 '.repeat(20_000)}`, 'pii.phone')).toEqual([]);
  });

  it('rejects regions libphonenumber does not know when the policy loads', () => {
    expect(piiDetector.configSchema.safeParse({ phone_regions: ['ZZ'] }).success).toBe(false);
  });
});

describe('pii: payment cards', () => {
  it('finds cards of the major issuers, spaced, dashed or bare', async () => {
    const text = 'visa 4111 1111 1111 1111, mc 5555-5555-5555-4444, amex 378282246310005, jcb 3530111333300000, diners 30569309025904';
    expect(await found(text, 'pii.credit_card')).toEqual(['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '3530111333300000', '30569309025904']);
  });

  it('rejects numbers that fail the Luhn checksum or repeat one digit', async () => {
    expect(await found('card 4111 1111 1111 1112', 'pii.credit_card')).toEqual([]);
    expect(await found('card 0000 0000 0000 0000', 'pii.credit_card')).toEqual([]);
  });

  it('does not take order numbers, ISBNs or tracking numbers for cards', async () => {
    expect(await found('Your order number is 4111111111111111.', 'pii.credit_card')).toEqual([]);
    expect(await found('ISBN 978-0-306-40615-7', 'pii.credit_card')).toEqual([]);
    expect(await scoreOf('card 4111111111111111', 'pii.credit_card')).toBeGreaterThan(await scoreOf('tracking 4111111111111111', 'pii.credit_card'));
  });

  it('knows issuer ranges and lengths', () => {
    expect(cardIssuer('4111111111111111')).toBe('visa');
    expect(cardIssuer('2221000000000009')).toBe('mastercard');
    expect(cardIssuer('378282246310005')).toBe('amex');
    expect(cardIssuer('3782822463100050')).toBeUndefined();
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
  });
});

describe('pii: IBANs', () => {
  it('finds IBANs with or without grouping spaces, in any case', async () => {
    expect(await found('IBAN GB82 WEST 1234 5698 7654 32 please', 'pii.iban')).toEqual(['GB82 WEST 1234 5698 7654 32']);
    expect(await found('pay de89370400440532013000 now', 'pii.iban')).toEqual(['de89370400440532013000']);
  });

  it('rejects wrong check digits, unknown countries and wrong lengths', async () => {
    expect(await found('GB82 WEST 1234 5698 7654 33', 'pii.iban')).toEqual([]);
    expect(await found('QQ82 WEST 1234 5698 7654 32', 'pii.iban')).toEqual([]);
    expect(await found('DE89 3704 0044 0532 0130', 'pii.iban')).toEqual([]);
  });

  it('computes mod-97 on long IBANs without precision loss', () => {
    expect(passesMod97('MT84MALT011000012345MTLCAST001S')).toBe(true);
    expect(passesMod97('MT84MALT011000012345MTLCAST001T')).toBe(false);
  });
});

describe('pii: US social security numbers', () => {
  it('finds formatted SSNs and, with context, bare ones', async () => {
    expect(await found('SSN: 219-45-6789', 'pii.us_ssn')).toEqual(['219-45-6789']);
    expect(await found('social security number 219456789', 'pii.us_ssn')).toEqual(['219456789']);
  });

  it('reads Unicode hyphens as hyphens', async () => {
    expect(await found('SSN: 219\u201145\u20116789', 'pii.us_ssn')).toEqual(['219\u201145\u20116789']);
  });

  it('rejects numbers the SSA never issues', async () => {
    for (const ssn of ['000-12-3456', '666-12-3456', '912-34-5678', '219-00-6789', '219-45-0000', '078-05-1120']) {
      expect(await found(`SSN ${ssn}`, 'pii.us_ssn'), ssn).toEqual([]);
    }
  });

  it('needs context for nine bare digits and consistent separators', async () => {
    expect(await found('reference 219456789', 'pii.us_ssn')).toEqual([]);
    expect(await found('SSN 219-45 6789', 'pii.us_ssn')).toEqual([]);
  });
});

describe('pii: IP addresses', () => {
  it('finds IPv4 and IPv6 addresses', async () => {
    expect(await found('login from 203.0.113.42 failed', 'pii.ip_address')).toEqual(['203.0.113.42']);
    expect(await found('host 2001:db8:85a3::8a2e:370:7334 up', 'pii.ip_address')).toEqual(['2001:db8:85a3::8a2e:370:7334']);
  });

  it('ignores out-of-range octets, version strings, longer dotted numbers, times and C++ scopes', async () => {
    expect(await found('999.10.10.10 and 1.2.3.4.5', 'pii.ip_address')).toEqual([]);
    expect(await found('upgrade to version 1.2.3.4 or v10.0.0.1', 'pii.ip_address')).toEqual([]);
    expect(await found('at 10:30:00 use std::vector', 'pii.ip_address')).toEqual([]);
  });
});

describe('pii: behaviour shared by all entities', () => {
  it('reports labels, log-safe evidence and no raw values', async () => {
    const text = 'mail jane@example.com, card 4111 1111 1111 1111';
    const hits = await runDetector(piiDetector, text);
    expect(hits.map((hit) => hit.label)).toEqual(['EMAIL', 'CREDIT_CARD']);
    const evidence = JSON.stringify(hits.map((hit) => hit.evidence));
    expect(evidence).not.toContain('jane');
    expect(evidence).not.toContain('4111');
  });

  it('finds PII hidden by zero-width characters or inside base64, mapped to the original', async () => {
    const zeroWidth = 'mail ja\u200bne@exa\u200bmple.com';
    expect(covered(zeroWidth, await runDetector(piiDetector, zeroWidth))).toEqual(['ja\u200bne@exa\u200bmple.com']);
    const encoded = Buffer.from('contact jane@example.com').toString('base64');
    const hits = await runDetector(piiDetector, `data ${encoded}`);
    expect(hits).toMatchObject([{ category: 'pii.email', encoding: 'base64', spans: [{ start: 5, end: 5 + encoded.length }] }]);
  });

  it('keeps the stronger of two overlapping candidates', async () => {
    const hits = await runDetector(piiDetector, 'card 4111 1111 1111 1111');
    expect(hits.map((hit) => hit.category)).toEqual(['pii.credit_card']);
  });

  it('only looks for the configured entities', async () => {
    const hits = await runDetector(piiDetector, 'jane@example.com 4111111111111111', { config: { entities: ['email'] } });
    expect(hits.map((hit) => hit.category)).toEqual(['pii.email']);
  });

  it('finds nothing in ordinary text', async () => {
    expect(await runDetector(piiDetector, 'How do I kill a Python process that hangs after 30 seconds?')).toEqual([]);
  });
});
