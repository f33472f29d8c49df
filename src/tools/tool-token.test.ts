import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPalisadeError } from '../core/errors.js';
import { createReplayCache } from './replay-cache.js';
import { hashToolArguments } from './tool-arguments.js';
import { generateToolSigningKey, loadToolSigningKey, toolKeyId, type ToolSigningKey } from './tool-signing-key.js';
import { issueToolToken, isToolTokenError, verifyToolToken, type IssueToolTokenOptions, type ToolTokenFailureReason, type VerifyToolTokenOptions } from './tool-token.js';

const material = generateToolSigningKey();
const signingKey = loadToolSigningKey(material);
const otherMaterial = generateToolSigningKey();
const otherKey = loadToolSigningKey(otherMaterial);

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const args = { path: '/srv/reports/q3.csv', options: { overwrite: false, lines: [1, 2, 3] } };

function issue(overrides: Partial<IssueToolTokenOptions> = {}) {
  return issueToolToken({ signingKey, tenant: 'acme', tool: 'write_file', args, singleUse: false, now: start, ...overrides });
}

function verifyOptions(overrides: Partial<VerifyToolTokenOptions> = {}): VerifyToolTokenOptions {
  return { publicKey: material.publicKeyPem, tool: 'write_file', args, tenant: 'acme', now: start, ...overrides };
}

/** Awaits a refusal and checks its reason, and that the error never quotes the token. */
async function expectRefused(promise: Promise<unknown>, reason: ToolTokenFailureReason, token?: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isToolTokenError(error)) throw new Error(`expected a ToolTokenError "${reason}", got ${String(error)}`);
  expect(error.reason).toBe(reason);
  expect(isPalisadeError(error)).toBe(true);
  expect(['unauthenticated', 'forbidden']).toContain(error.code);
  if (token !== undefined) {
    expect(error.message).not.toContain(token.split('.')[1]);
    expect(error.message).not.toContain(token.split('.')[2]);
  }
}

const decodeClaims = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** A token with the given claims text, signed by `key`: what an attacker holding that key could make. */
function forge(claims: Record<string, unknown>, key: ToolSigningKey = signingKey, claimsText = JSON.stringify(claims)): string {
  const signed = `ptt1.${Buffer.from(claimsText, 'utf8').toString('base64url')}`;
  return `${signed}.${sign(null, Buffer.from(signed, 'ascii'), key.privateKey).toString('base64url')}`;
}

describe('tool tokens', () => {
  it('round-trips: the verified claims are the issued ones', async () => {
    const { token, claims } = issue({ singleUse: true, callId: 'call_7', approvalId: 'apr_1', ttlMs: 30_000 });
    expect(token).toMatch(/^ptt1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(claims).toEqual({
      version: 1,
      tokenId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      keyId: material.keyId,
      tenant: 'acme',
      tool: 'write_file',
      argsSha256: hashToolArguments(args),
      issuedAt: start,
      expiresAt: at(30_000),
      singleUse: true,
      callId: 'call_7',
      approvalId: 'apr_1',
    });
    expect(await verifyToolToken(token, verifyOptions({ replay: createReplayCache() }))).toEqual(claims);
    expect(decodeClaims(token)).toEqual({
      v: 1,
      token_id: claims.tokenId,
      key_id: material.keyId,
      tenant: 'acme',
      tool: 'write_file',
      args_sha256: claims.argsSha256,
      issued_at: start.getTime(),
      expires_at: start.getTime() + 30_000,
      single_use: true,
      call_id: 'call_7',
      approval_id: 'apr_1',
    });
  });

  it('lives 60 seconds by default, and every token has its own id', async () => {
    const first = issue();
    const second = issue();
    expect(first.claims.expiresAt).toEqual(at(60_000));
    expect(first.claims.tokenId).not.toBe(second.claims.tokenId);
    expect(decodeClaims(first.token)).not.toHaveProperty('call_id');
    expect(await verifyToolToken(first.token, verifyOptions({ tenant: undefined }))).toEqual(first.claims);
  });

  it('never carries the arguments, only their hash', () => {
    const secretArgs = { recipient: 'finance-team-mailbox', amount: 987654321 };
    const { token } = issue({ args: secretArgs });
    const text = Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8');
    expect(text).not.toContain('finance-team-mailbox');
    expect(text).not.toContain('987654321');
  });

  it('binds the arguments whether given as an object or as the JSON text the model emitted', async () => {
    const emitted = '{ "options": {"lines":[1,2,3.0], "overwrite":false},\n  "path": "/srv/reports/q3.csv" }';
    expect(hashToolArguments(emitted)).toBe(hashToolArguments(args));
    const fromText = issue({ args: emitted });
    expect(await verifyToolToken(fromText.token, verifyOptions({ args }))).toEqual(fromText.claims);
    const fromObject = issue();
    expect(await verifyToolToken(fromObject.token, verifyOptions({ args: emitted }))).toEqual(fromObject.claims);
    // A string is JSON text: the bare string value is bound by its JSON spelling.
    expect(hashToolArguments('"hello"')).toBe(hashToolArguments(JSON.stringify('hello')));
    expect(() => hashToolArguments('hello')).toThrow(/not valid JSON/);
  });

  it('refuses arguments that cannot be hashed at issuance, without quoting them', () => {
    expect(() => issue({ args: '{"a": ' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => issue({ args: { amount: Number.NaN } })).toThrow(/tool arguments cannot be hashed: \$\.amount is not a finite number/);
  });

  it('refuses other arguments, including text that is not JSON', async () => {
    const { token } = issue();
    await expectRefused(verifyToolToken(token, verifyOptions({ args: { ...args, path: '/etc/passwd' } })), 'args_mismatch', token);
    await expectRefused(verifyToolToken(token, verifyOptions({ args: { ...args, extra: 1 } })), 'args_mismatch');
    await expectRefused(verifyToolToken(token, verifyOptions({ args: '{"path": ' })), 'args_mismatch');
    await expectRefused(verifyToolToken(token, verifyOptions({ args: undefined })), 'args_mismatch');
  });

  it('refuses another tool and another tenant', async () => {
    const { token } = issue();
    await expectRefused(verifyToolToken(token, verifyOptions({ tool: 'delete_file' })), 'tool_mismatch', token);
    await expectRefused(verifyToolToken(token, verifyOptions({ tool: 'Write_file' })), 'tool_mismatch');
    await expectRefused(verifyToolToken(token, verifyOptions({ tenant: 'globex' })), 'tenant_mismatch', token);
  });

  it('expires, with the clock tolerance on both sides', async () => {
    const { token } = issue({ ttlMs: 60_000 });
    const check = (now: Date, clockSkewMs?: number) => verifyToolToken(token, verifyOptions({ now, clockSkewMs }));
    await expect(check(at(60_000 + 4_999))).resolves.toBeDefined();
    await expectRefused(check(at(60_000 + 5_000)), 'expired', token);
    await expect(check(at(59_999), 0)).resolves.toBeDefined();
    await expectRefused(check(at(60_000), 0), 'expired');
    // A tool server whose clock lags the gateway's by less than the tolerance accepts it.
    await expect(check(at(-5_000))).resolves.toBeDefined();
    await expectRefused(check(at(-5_001)), 'not_yet_valid', token);
    await expectRefused(check(at(-1), 0), 'not_yet_valid');
    await expect(check(at(-30_000), 30_000)).resolves.toBeDefined();
    await expect(check(start, -1)).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('refuses a token signed by another key, and one whose key id was changed', async () => {
    const foreign = issueToolToken({ signingKey: otherKey, tenant: 'acme', tool: 'write_file', args, singleUse: false, now: start });
    await expectRefused(verifyToolToken(foreign.token, verifyOptions()), 'unknown_key', foreign.token);
    // Another key's signature under our key id: the key id is taken at its word, the signature is not.
    const claims = decodeClaims(foreign.token);
    await expectRefused(verifyToolToken(forge({ ...claims, key_id: material.keyId }, otherKey), verifyOptions()), 'bad_signature');
    // Our token relabelled with the other key's id: the other key does not verify it.
    const ours = issue().token;
    const relabelled = forge({ ...decodeClaims(ours), key_id: otherMaterial.keyId });
    await expectRefused(verifyToolToken(`${relabelled.split('.').slice(0, 2).join('.')}.${ours.split('.')[2]}`, verifyOptions({ publicKey: otherMaterial.publicKeyPem })), 'bad_signature');
  });

  it('accepts any of several public keys during a rotation, as PEM text or key objects', async () => {
    const ours = issue();
    const theirs = issueToolToken({ signingKey: otherKey, tenant: 'acme', tool: 'write_file', args, singleUse: false, now: start });
    const both = [material.publicKeyPem, createPublicKey(otherMaterial.publicKeyPem)];
    expect(await verifyToolToken(ours.token, verifyOptions({ publicKey: both }))).toEqual(ours.claims);
    expect(await verifyToolToken(theirs.token, verifyOptions({ publicKey: both }))).toEqual(theirs.claims);
    expect(await verifyToolToken(ours.token, verifyOptions({ publicKey: signingKey.publicKey }))).toEqual(ours.claims);
  });

  it('refuses tampering with each part', async () => {
    const { token } = issue();
    const [prefix, claimsPart, signaturePart] = token.split('.') as [string, string, string];
    const flip = (text: string, index: number): string => `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;

    await expectRefused(verifyToolToken(`ptt2.${claimsPart}.${signaturePart}`, verifyOptions()), 'malformed');
    await expectRefused(verifyToolToken(`PTT1.${claimsPart}.${signaturePart}`, verifyOptions()), 'malformed');
    // Claims changed and re-encoded as valid claims: the signature no longer matches.
    const widened = forge({ ...decodeClaims(token), tool: 'delete_file' }).split('.')[1] ?? '';
    await expectRefused(verifyToolToken(`${prefix}.${widened}.${signaturePart}`, verifyOptions({ tool: 'delete_file' })), 'bad_signature');
    const extended = forge({ ...decodeClaims(token), expires_at: start.getTime() + 3_600_000 }).split('.')[1] ?? '';
    await expectRefused(verifyToolToken(`${prefix}.${extended}.${signaturePart}`, verifyOptions()), 'bad_signature');
    // A byte flipped inside the claims breaks their JSON or their signature.
    const flipped = verifyToolToken(`${prefix}.${flip(claimsPart, 10)}.${signaturePart}`, verifyOptions());
    await expect(flipped).rejects.toSatisfy((error: unknown) => isToolTokenError(error) && ['malformed', 'bad_signature'].includes(error.reason));
    for (const index of [0, 40, 84]) await expectRefused(verifyToolToken(`${prefix}.${claimsPart}.${flip(signaturePart, index)}`, verifyOptions()), 'bad_signature');
    // The same signature spelled differently (unused trailing bits) is not accepted either.
    const lastBitsChanged = `${signaturePart.slice(0, -1)}${signaturePart.at(-1) === 'A' ? 'B' : 'A'}`;
    await expect(verifyToolToken(`${prefix}.${claimsPart}.${lastBitsChanged}`, verifyOptions())).rejects.toSatisfy(isToolTokenError);
    await expectRefused(verifyToolToken(`${prefix}.${claimsPart}.${signaturePart.slice(0, -2)}`, verifyOptions()), 'malformed');
  });

  it('refuses malformed text before looking at keys or signatures', async () => {
    const { token } = issue();
    const [, claimsPart, signaturePart] = token.split('.') as [string, string, string];
    const claims = decodeClaims(token);
    const malformed = [
      '',
      'ptt1',
      `ptt1.${claimsPart}`,
      `${token}.extra`,
      `ptt1.${claimsPart}=.${signaturePart}`,
      `ptt1.${claimsPart}.${signaturePart}=`,
      `ptt1.not+base64.${signaturePart}`,
      `${token}${'A'.repeat(5_000)}`,
      forge(claims, signingKey, 'not json'),
      forge(claims, signingKey, '\u00ff'.repeat(3)),
      forge({ ...claims, v: 2 }),
      forge({ ...claims, args: { path: '/x' } }),
      forge({ ...claims, single_use: 'yes' }),
      forge({ ...claims, expires_at: claims.issued_at }),
      forge({ ...claims, args_sha256: 'A'.repeat(64) }),
      forge({ ...claims, tool: '' }),
    ];
    for (const text of malformed) await expectRefused(verifyToolToken(text, verifyOptions()), 'malformed');
    await expectRefused(verifyToolToken(42 as unknown as string, verifyOptions()), 'malformed');
    // Invalid UTF-8 in the claims.
    const badUtf8 = `ptt1.${Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64url')}`;
    await expectRefused(verifyToolToken(`${badUtf8}.${signaturePart}`, verifyOptions()), 'malformed');
  });

  it('accepts a single-use token once, and a refused attempt does not use it up', async () => {
    const replay = createReplayCache();
    const { token } = issue({ singleUse: true });
    await expectRefused(verifyToolToken(token, verifyOptions({ replay, args: { other: true } })), 'args_mismatch');
    await expectRefused(verifyToolToken(token, verifyOptions({ replay, tool: 'other' })), 'tool_mismatch');
    expect(replay.size).toBe(0);
    await expect(verifyToolToken(token, verifyOptions({ replay }))).resolves.toBeDefined();
    await expectRefused(verifyToolToken(token, verifyOptions({ replay, now: at(1_000) })), 'replayed', token);
    // After expiry it is refused as expired, and its entry is gone once swept.
    await expectRefused(verifyToolToken(token, verifyOptions({ replay, now: at(65_000) })), 'expired');

    const reusable = issue({ singleUse: false });
    for (let index = 0; index < 3; index++) await expect(verifyToolToken(reusable.token, verifyOptions({ replay }))).resolves.toBeDefined();
    expect(replay.size).toBe(1);
  });

  it('will not verify a single-use token without a replay cache', async () => {
    const { token } = issue({ singleUse: true });
    await expect(verifyToolToken(token, verifyOptions())).rejects.toMatchObject({ code: 'invalid_argument', message: /replay cache/ });
  });

  it('refuses bad issuing options', () => {
    for (const ttlMs of [0, -1, 1.5, 24 * 60 * 60_000 + 1]) expect(() => issue({ ttlMs })).toThrow(/ttlMs/);
    expect(() => issue({ tool: '' })).toThrow(/tool/);
    expect(() => issue({ tenant: 'x'.repeat(257) })).toThrow(/tenant/);
    expect(() => issue({ callId: '' })).toThrow(/callId/);
    expect(() => issue({ now: new Date(Number.NaN) })).toThrow(/now/);
    expect(() => issue({ signingKey: { ...signingKey, keyId: 'made-up' } })).toThrow(/signingKey/);
  });

  it('refuses a public key that is not an Ed25519 public key', async () => {
    const { token } = issue();
    await expect(verifyToolToken(token, verifyOptions({ publicKey: 'not a key' }))).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(verifyToolToken(token, verifyOptions({ publicKey: signingKey.privateKey }))).rejects.toThrow(/Ed25519 public key/);
  });
});

describe('tool signing keys', () => {
  it('derives the key id from the public key', () => {
    expect(material.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(material.keyId).toBe(toolKeyId(createPublicKey(material.publicKeyPem)));
    expect(material.keyId).not.toBe(otherMaterial.keyId);
    expect(material.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(material.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(createPrivateKey(material.privateKeyPem).asymmetricKeyType).toBe('ed25519');
  });

  it('refuses stored material that does not hang together, without quoting the key', () => {
    expect(() => loadToolSigningKey({ ...material, keyId: otherMaterial.keyId })).toThrow(/key id does not match/);
    expect(() => loadToolSigningKey({ ...material, publicKeyPem: otherMaterial.publicKeyPem })).toThrow(/public key does not belong/);
    const broken = (() => {
      try {
        loadToolSigningKey({ ...material, privateKeyPem: material.privateKeyPem.slice(0, 60) });
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    expect(broken?.message).toMatch(/not a readable PEM key/);
    expect(broken?.message).not.toContain(material.privateKeyPem.slice(28, 60));
  });
});
