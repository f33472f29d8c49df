import { createReadStream, createWriteStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { AuditEvent } from '../audit/audit-event.js';
import { createAuditWriter } from '../audit/audit-writer.js';
import { exportAuditLog } from '../audit/export-audit-log.js';
import { verifyAuditLog } from '../audit/verify-audit-log.js';
import { verifyExport } from '../audit/verify-export.js';
import type { AuditVerification } from '../audit/audit-verification.js';
import { PalisadeError } from '../core/errors.js';
import type { GatewayConfig } from '../config/load-config.js';
import { createApiKey, revokeApiKey, rotateApiKey } from '../keys/api-keys.js';
import type { ApiKeyRecord } from '../keys/key-store.js';
import { scopes, type Scope } from '../keys/scopes.js';
import { createTenant } from '../keys/tenants.js';
import { openStores, type Stores } from '../main.js';
import { exitCodes } from './exit-codes.js';

/**
 * The CLI's administrative commands work on the same database as the gateway (the config's
 * SQLite file, or PALISADE_DATABASE_URL) and audit what they change under a writer chain of
 * their own (`cli-…`), exactly as the admin API does.
 */
export async function withStores<T>(config: GatewayConfig, run: (stores: Stores, record: (event: Omit<AuditEvent, 'id' | 'time' | 'actor'>) => Promise<void>) => Promise<T>): Promise<T> {
  const stores = await openStores(config);
  const writer = createAuditWriter({ store: stores.audit, writerId: `cli-${randomUUID()}` });
  try {
    return await run(stores, async (event) => void (await writer.append({ ...event, id: randomUUID(), time: new Date().toISOString(), actor: 'cli' })));
  } finally {
    await writer.close();
    await stores.close();
  }
}

function parseScopes(value: string): Scope[] {
  const list = value.split(',').map((scope) => scope.trim()).filter((scope) => scope !== '');
  const unknown = list.filter((scope) => !(scopes as readonly string[]).includes(scope));
  if (list.length === 0 || unknown.length > 0) throw new PalisadeError('invalid_argument', `--scopes takes a comma-separated list of ${scopes.join(', ')}${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  return list as Scope[];
}

function parseDate(value: string, option: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new PalisadeError('invalid_argument', `${option} must be a date or time (ISO 8601), got "${value.slice(0, 40)}"`);
  return date;
}

function keyLine(key: ApiKeyRecord): string {
  const state = key.revokedAt !== undefined ? 'revoked' : key.replacedBy !== undefined ? `rotated (grace until ${key.graceUntil?.toISOString() ?? '-'})` : key.expiresAt !== undefined && key.expiresAt.getTime() <= Date.now() ? 'expired' : 'active';
  return `${key.id}\t${key.prefix}\t${key.tenantId}\t${key.scopes.join(',')}\t${state}\t${key.name}`;
}

export async function keysCreate(options: { config: GatewayConfig; tenant: string; scopes: string; name?: string; expires?: string; json: boolean; stdout: Writable }): Promise<number> {
  const wanted = parseScopes(options.scopes);
  const expiresAt = options.expires === undefined ? undefined : parseDate(options.expires, '--expires');
  return withStores(options.config, async (stores, record) => {
    const issued = await createApiKey(stores.keys, { tenantId: options.tenant, scopes: wanted, ...(options.name === undefined ? {} : { name: options.name }), ...(expiresAt === undefined ? {} : { expiresAt }) });
    await record({ type: 'key-created', tenantId: options.tenant, data: { key_id: issued.record.id, prefix: issued.record.prefix, scopes: issued.record.scopes } });
    options.stdout.write(options.json ? `${JSON.stringify({ key: issued.key, id: issued.record.id, prefix: issued.record.prefix, tenant_id: options.tenant, scopes: issued.record.scopes })}\n` : `${issued.key}\n(shown once: store it now; id ${issued.record.id}, tenant ${options.tenant}, scopes ${issued.record.scopes.join(',')})\n`);
    return exitCodes.ok;
  });
}

export async function keysList(options: { config: GatewayConfig; tenant?: string; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores) => {
    const tenants = options.tenant === undefined ? (await stores.keys.listTenants()).map((tenant) => tenant.id) : [options.tenant];
    for (const tenant of tenants) for (const key of await stores.keys.listKeys(tenant)) options.stdout.write(`${keyLine(key)}\n`);
    return exitCodes.ok;
  });
}

export async function keysRevoke(options: { config: GatewayConfig; id: string; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores, record) => {
    const key = await revokeApiKey(stores.keys, options.id);
    await record({ type: 'key-revoked', tenantId: key.tenantId, data: { key_id: key.id, prefix: key.prefix } });
    options.stdout.write(`revoked ${key.prefix} (effective on every replica at once)\n`);
    return exitCodes.ok;
  });
}

export async function keysRotate(options: { config: GatewayConfig; id: string; graceSeconds: number; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores, record) => {
    const rotated = await rotateApiKey(stores.keys, options.id, { graceMs: options.graceSeconds * 1000 });
    await record({ type: 'key-rotated', tenantId: rotated.record.tenantId, data: { key_id: options.id, successor_id: rotated.record.id, grace_seconds: options.graceSeconds } });
    options.stdout.write(`${rotated.key}\n(shown once; the old key ${rotated.previous.prefix} stays valid until ${rotated.previous.graceUntil?.toISOString() ?? 'now'})\n`);
    return exitCodes.ok;
  });
}

export async function tenantsCreate(options: { config: GatewayConfig; id: string; name: string; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores, record) => {
    const tenant = await createTenant(stores.keys, { id: options.id, name: options.name });
    await record({ type: 'tenant-created', tenantId: tenant.id, data: { name: tenant.name } });
    options.stdout.write(`created tenant ${tenant.id}\n`);
    return exitCodes.ok;
  });
}

export async function tenantsList(options: { config: GatewayConfig; stdout: Writable }): Promise<number> {
  return withStores(options.config, async (stores) => {
    for (const tenant of await stores.keys.listTenants()) options.stdout.write(`${tenant.id}\t${tenant.disabled ? 'disabled' : 'active'}\t${tenant.name}\n`);
    return exitCodes.ok;
  });
}

function report(result: AuditVerification, stdout: Writable, json: boolean): number {
  if (json) stdout.write(`${JSON.stringify(result)}\n`);
  else if (result.ok) stdout.write(`audit log verified: ${result.eventsChecked} events in ${result.writers} chains, ${result.anchorsChecked} anchors${result.anchorHead === undefined ? '' : `; anchor head ${result.anchorHead.seq}:${result.anchorHead.hash}\n(keep the anchor head elsewhere and pass it as --expected-anchor next time to detect truncation)`}\n`);
  else stdout.write(`audit log verification FAILED: ${result.firstProblem?.message ?? 'unknown problem'}\n${result.problems.slice(1).map((problem) => `  also: ${problem.message}\n`).join('')}`);
  return result.ok ? exitCodes.ok : exitCodes.blocked;
}

/** `--expected-anchor seq:hash`, as printed by an earlier verify. */
function parseAnchor(value: string): { seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (match === null) throw new PalisadeError('invalid_argument', '--expected-anchor takes seq:hash as printed by an earlier verify');
  return { seq: Number(match[1]), hash: match[2] as string };
}

export async function auditVerify(options: { config: GatewayConfig; file?: string; expectedAnchor?: string; json: boolean; stdout: Writable }): Promise<number> {
  if (options.file !== undefined) {
    const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
    return report(await verifyExport(lines), options.stdout, options.json);
  }
  const expectedAnchor = options.expectedAnchor === undefined ? undefined : parseAnchor(options.expectedAnchor);
  const stores = await openStores(options.config);
  try {
    return report(await verifyAuditLog(stores.audit, expectedAnchor === undefined ? {} : { expectedAnchor }), options.stdout, options.json);
  } finally {
    await stores.close();
  }
}

export async function auditExport(options: { config: GatewayConfig; from: string; to: string; output?: string; stdout: Writable }): Promise<number> {
  const from = parseDate(options.from, '--from');
  const to = parseDate(options.to, '--to');
  const stores = await openStores(options.config);
  const target = options.output === undefined ? options.stdout : createWriteStream(options.output);
  try {
    for await (const line of exportAuditLog(stores.audit, { from, to })) if (!target.write(line)) await new Promise<void>((resolve) => target.once('drain', () => resolve()));
    if (target !== options.stdout) {
      target.end();
      await finished(target);
    }
    return exitCodes.ok;
  } finally {
    await stores.close();
  }
}
