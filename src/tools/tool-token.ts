/**
 * Scoped tool tokens: the gateway's signed permission for one tool call. A token names the
 * tenant, the tool and the sha256 of the call's arguments (never the arguments themselves), lives
 * a short time (60 s by default) and may be single-use. Tool servers verify it with the gateway's
 * public key (`verifyToolToken`), so a tool server cannot mint tokens.
 *
 * Wire format: `ptt1.<claims>.<signature>`, both parts base64url without padding.
 * - `<claims>` is UTF-8 JSON (written canonically), snake_case:
 *   `{ v: 1, token_id, key_id, tenant, tool, args_sha256, issued_at, expires_at, single_use,
 *   call_id?, approval_id? }`, times as integer milliseconds since the epoch.
 * - `<signature>` is the 64-byte Ed25519 signature of the ASCII text `ptt1.<claims>`, so the
 *   format prefix is signed too.
 *
 * Verification checks, in this order, and refuses with the first reason that applies:
 * `malformed` (shape, encoding, claims), `unknown_key` (no given public key has the token's key
 * id), `bad_signature`, `expired` / `not_yet_valid` (with `clockSkewMs` tolerance either way),
 * `tool_mismatch`, `tenant_mismatch` (only when a tenant is given), `args_mismatch`, and last
 * `replayed`: a single-use token is recorded only once everything else passed, so a refused
 * attempt never uses it up.
 */
import { randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../audit/canonical-json.js';
import { PalisadeError, type ErrorCode } from '../core/errors.js';
import type { ToolTokenReplayCache } from './replay-cache.js';
import { hashToolArguments } from './tool-arguments.js';
import { toolVerificationKey, type ToolSigningKey, type ToolVerificationKey } from './tool-signing-key.js';

export const TOOL_TOKEN_PREFIX = 'ptt1';
export const DEFAULT_TOOL_TOKEN_TTL_MS = 60_000;
/** A token is a permission for one call, not a session: issuance refuses anything longer. */
export const MAX_TOOL_TOKEN_TTL_MS = 24 * 60 * 60_000;
/** How far the verifier's clock may be from the gateway's, either way. */
export const DEFAULT_TOOL_TOKEN_CLOCK_SKEW_MS = 5_000;
/** Longer text is refused before any decoding: a token is a few hundred bytes. */
const MAX_TOKEN_LENGTH = 4_096;
const MAX_NAME_LENGTH = 256;

export interface ToolTokenClaims {
  version: 1;
  /** Random; what a replay cache remembers. */
  tokenId: string;
  /** The signing key's id (`toolKeyId`). */
  keyId: string;
  tenant: string;
  tool: string;
  /** `hashToolArguments` of the call's arguments. */
  argsSha256: string;
  issuedAt: Date;
  expiresAt: Date;
  singleUse: boolean;
  /** The tool call's id in the model's answer, when it had one. */
  callId?: string;
  /** The approval request this token carries out, when the call needed one. */
  approvalId?: string;
}

/** Why a token was refused; each reason has its error code and message, declared together. */
export const toolTokenFailures = {
  malformed: { code: 'unauthenticated', message: 'tool token is malformed' },
  unknown_key: { code: 'unauthenticated', message: 'tool token was signed with an unknown key' },
  bad_signature: { code: 'unauthenticated', message: 'tool token signature is not valid' },
  expired: { code: 'unauthenticated', message: 'tool token has expired' },
  not_yet_valid: { code: 'unauthenticated', message: 'tool token is not valid yet: it was issued in the future' },
  tool_mismatch: { code: 'forbidden', message: 'tool token was issued for another tool' },
  tenant_mismatch: { code: 'forbidden', message: 'tool token was issued for another tenant' },
  args_mismatch: { code: 'forbidden', message: 'tool token was issued for other arguments' },
  replayed: { code: 'forbidden', message: 'single-use tool token was already used' },
} as const satisfies Record<string, { code: ErrorCode; message: string }>;

export type ToolTokenFailureReason = keyof typeof toolTokenFailures;

/** A refused token: a `PalisadeError` (401 or 403) that also says why. Never quotes the token. */
export class ToolTokenError extends PalisadeError {
  readonly reason: ToolTokenFailureReason;

  constructor(reason: ToolTokenFailureReason) {
    super(toolTokenFailures[reason].code, toolTokenFailures[reason].message);
    this.name = 'ToolTokenError';
    this.reason = reason;
  }
}

export function isToolTokenError(error: unknown): error is ToolTokenError {
  return error instanceof ToolTokenError;
}

export interface IssueToolTokenOptions {
  /** From `loadToolSigningKey`. */
  signingKey: ToolSigningKey;
  tenant: string;
  tool: string;
  /** The call's arguments, parsed or as the JSON text the model emitted (`hashToolArguments`). */
  args: unknown;
  /** Lifetime; default 60 s, at most 24 h. */
  ttlMs?: number;
  /** The tool server must accept the token once only (it needs a replay cache). */
  singleUse: boolean;
  callId?: string;
  approvalId?: string;
  now?: Date;
}

export interface IssuedToolToken {
  token: string;
  claims: ToolTokenClaims;
}

/** Signs a token for one call. Throws `invalid_argument` on bad options or unhashable arguments. */
export function issueToolToken(options: IssueToolTokenOptions): IssuedToolToken {
  const ttlMs = options.ttlMs ?? DEFAULT_TOOL_TOKEN_TTL_MS;
  if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0 && ttlMs <= MAX_TOOL_TOKEN_TTL_MS)) {
    throw invalid('ttlMs', `must be a whole number of milliseconds from 1 to ${MAX_TOOL_TOKEN_TTL_MS}`);
  }
  if (!/^[0-9a-f]{16}$/.test(options.signingKey.keyId)) throw invalid('signingKey', 'must come from loadToolSigningKey (its key id is not one)');
  checkName('tenant', options.tenant);
  checkName('tool', options.tool);
  if (options.callId !== undefined) checkName('callId', options.callId);
  if (options.approvalId !== undefined) checkName('approvalId', options.approvalId);
  const issuedAt = (options.now ?? new Date()).getTime();
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw invalid('now', 'must be a valid time after 1970');
  const claims: ToolTokenClaims = {
    version: 1,
    tokenId: randomBytes(16).toString('base64url'),
    keyId: options.signingKey.keyId,
    tenant: options.tenant,
    tool: options.tool,
    argsSha256: hashToolArguments(options.args),
    issuedAt: new Date(issuedAt),
    expiresAt: new Date(issuedAt + ttlMs),
    singleUse: options.singleUse,
  };
  if (options.callId !== undefined) claims.callId = options.callId;
  if (options.approvalId !== undefined) claims.approvalId = options.approvalId;
  const signed = `${TOOL_TOKEN_PREFIX}.${Buffer.from(canonicalJson(wireClaims(claims)), 'utf8').toString('base64url')}`;
  const signature = sign(null, Buffer.from(signed, 'ascii'), options.signingKey.privateKey);
  return { token: `${signed}.${signature.toString('base64url')}`, claims };
}

export interface VerifyToolTokenOptions {
  /** The gateway's public key(s): a `KeyObject` or SPKI PEM text, or several during a key rotation. */
  publicKey: KeyObject | string | readonly (KeyObject | string)[];
  /** The tool being called. */
  tool: string;
  /** The arguments the tool is called with, parsed or as JSON text. */
  args: unknown;
  /** The tenant the tool server expects, when it knows one. */
  tenant?: string;
  /** Required for single-use tokens: verifying one without a cache throws `invalid_argument`. */
  replay?: ToolTokenReplayCache;
  now?: Date;
  /** Tolerance for the clocks of gateway and tool server; default 5 s. */
  clockSkewMs?: number;
}

/**
 * Checks a token for the call about to be made and resolves to its claims, or rejects with a
 * `ToolTokenError` naming the reason (order in the file comment). Rejects with `invalid_argument`
 * when the options themselves are wrong (an unreadable public key, a single-use token with no
 * replay cache), and with whatever the replay cache throws (`unavailable` when full).
 */
export async function verifyToolToken(token: string, options: VerifyToolTokenOptions): Promise<ToolTokenClaims> {
  const clockSkewMs = options.clockSkewMs ?? DEFAULT_TOOL_TOKEN_CLOCK_SKEW_MS;
  if (!(Number.isSafeInteger(clockSkewMs) && clockSkewMs >= 0)) throw invalid('clockSkewMs', 'must be a whole number of milliseconds, 0 or more');
  const keys = (Array.isArray(options.publicKey) ? options.publicKey : [options.publicKey]).map((key: KeyObject | string) => toolVerificationKey(key));
  const now = (options.now ?? new Date()).getTime();

  const parts = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? token.split('.') : [];
  const [prefix, claimsPart, signaturePart] = parts;
  if (parts.length !== 3 || prefix !== TOOL_TOKEN_PREFIX || claimsPart === undefined || signaturePart === undefined) throw new ToolTokenError('malformed');
  const claims = parseClaims(claimsPart);
  const signature = decodeBase64url(signaturePart);
  if (claims === undefined || signature === undefined || signature.length !== 64) throw new ToolTokenError('malformed');

  const key: ToolVerificationKey | undefined = keys.find((candidate) => candidate.keyId === claims.keyId);
  if (key === undefined) throw new ToolTokenError('unknown_key');
  if (!verify(null, Buffer.from(`${prefix}.${claimsPart}`, 'ascii'), key.publicKey, signature)) throw new ToolTokenError('bad_signature');

  if (now >= claims.expiresAt.getTime() + clockSkewMs) throw new ToolTokenError('expired');
  if (now < claims.issuedAt.getTime() - clockSkewMs) throw new ToolTokenError('not_yet_valid');
  if (claims.tool !== options.tool) throw new ToolTokenError('tool_mismatch');
  if (options.tenant !== undefined && claims.tenant !== options.tenant) throw new ToolTokenError('tenant_mismatch');
  if (!sameHash(argumentsHash(options.args), claims.argsSha256)) throw new ToolTokenError('args_mismatch');

  if (claims.singleUse) {
    if (options.replay === undefined) throw invalid('replay', 'a single-use tool token can only be verified with a replay cache');
    const seen = await options.replay.remember({ keyId: claims.keyId, tokenId: claims.tokenId, until: claims.expiresAt.getTime() + clockSkewMs, now });
    if (seen === 'replayed') throw new ToolTokenError('replayed');
  }
  return claims;
}

const name = z.string().min(1).max(MAX_NAME_LENGTH);
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const wireClaimsSchema = z
  .object({
    v: z.literal(1),
    token_id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    key_id: z.string().regex(/^[0-9a-f]{16}$/),
    tenant: name,
    tool: name,
    args_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    issued_at: time,
    expires_at: time,
    single_use: z.boolean(),
    call_id: name.optional(),
    approval_id: name.optional(),
  })
  .strict()
  .refine((claims) => claims.expires_at > claims.issued_at);

type WireClaims = z.infer<typeof wireClaimsSchema>;

function wireClaims(claims: ToolTokenClaims): WireClaims {
  return {
    v: claims.version,
    token_id: claims.tokenId,
    key_id: claims.keyId,
    tenant: claims.tenant,
    tool: claims.tool,
    args_sha256: claims.argsSha256,
    issued_at: claims.issuedAt.getTime(),
    expires_at: claims.expiresAt.getTime(),
    single_use: claims.singleUse,
    call_id: claims.callId,
    approval_id: claims.approvalId,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseClaims(part: string): ToolTokenClaims | undefined {
  const bytes = decodeBase64url(part);
  if (bytes === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
  const parsed = wireClaimsSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const wire = parsed.data;
  const claims: ToolTokenClaims = {
    version: wire.v,
    tokenId: wire.token_id,
    keyId: wire.key_id,
    tenant: wire.tenant,
    tool: wire.tool,
    argsSha256: wire.args_sha256,
    issuedAt: new Date(wire.issued_at),
    expiresAt: new Date(wire.expires_at),
    singleUse: wire.single_use,
  };
  if (wire.call_id !== undefined) claims.callId = wire.call_id;
  if (wire.approval_id !== undefined) claims.approvalId = wire.approval_id;
  return claims;
}

/**
 * Strict base64url: only the alphabet, no padding, and the canonical spelling (Node's decoder
 * skips stray characters and ignores unused trailing bits, which would let one token have many texts).
 */
function decodeBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/** The hash of the arguments the tool is called with; arguments that cannot be hashed match no token. */
function argumentsHash(args: unknown): string | undefined {
  try {
    return hashToolArguments(args);
  } catch {
    return undefined;
  }
}

function sameHash(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkName(field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) throw invalid(field, `must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
}

function invalid(path: string, problem: string): PalisadeError {
  return new PalisadeError('invalid_argument', `tool token: ${path} ${problem}`, { details: [{ path, message: problem }] });
}
