/**
 * The behaviour every `KeyStore` backend must have, run by each backend's test file. The
 * backends share one database per test file, so every test works in tenants of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPalisadeError, type ErrorCode } from '../core/errors.js';
import { generateApiKey, hashApiKey } from './api-key-format.js';
import { createApiKey, revokeApiKey, rotateApiKey, updateApiKeyLimits } from './api-keys.js';
import { authenticate } from './authenticate.js';
import type { KeyStore, StoredApiKey } from './key-store.js';
import { requireScope } from './require-scope.js';
import { findVisibleKey, findVisibleTenant, visibleTenantFilter } from './tenant-visibility.js';
import { createTenant, updateTenant } from './tenants.js';

export interface KeyStoreHarness {
  store: KeyStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: KeyStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);
const minute = 60_000;

let tenantCounter = 0;
function newTenantId(): string {
  tenantCounter += 1;
  return `t${Math.random().toString(36).slice(2, 8)}-${tenantCounter}`;
}

/** Awaits a refusal and checks its code, its message, and that it never quotes `secret`. */
async function expectRefusal(promise: Promise<unknown>, options: { code: ErrorCode; message: RegExp; secret?: string }): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isPalisadeError(error)) throw new Error(`expected a PalisadeError "${options.code}", got ${String(error)}`);
  expect(error.code).toBe(options.code);
  expect(error.message).toMatch(options.message);
  if (options.secret !== undefined) {
    expect(error.message).not.toContain(options.secret);
    expect(JSON.stringify(error.details)).not.toContain(options.secret);
  }
}

export function keyStoreContract(backend: string, open: () => Promise<KeyStoreHarness>): void {
  describe(`KeyStore contract: ${backend}`, () => {
    let harness: KeyStoreHarness;
    let store: KeyStore;
    let replica: KeyStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    async function tenantWithKey(scopes: Parameters<typeof createApiKey>[1]['scopes'] = ['inference']) {
      const tenant = await createTenant(store, { id: newTenantId(), name: 'Example tenant', now: start });
      const issued = await createApiKey(store, { tenantId: tenant.id, name: 'test key', scopes, now: start });
      return { tenant, ...issued };
    }

    it('creates, reads, lists and updates tenants', async () => {
      const id = newTenantId();
      const created = await createTenant(store, { id, name: 'Acme', limits: { requestsPerMinute: 60 }, now: start });
      expect(created).toEqual({ id, name: 'Acme', limits: { requestsPerMinute: 60 }, createdAt: start, disabled: false });
      expect(await store.getTenant(id)).toEqual(created);
      expect(await replica.getTenant(id)).toEqual(created);
      await expectRefusal(createTenant(store, { id, name: 'Other' }), { code: 'invalid_request', message: /already exists/ });
      expect((await store.getTenant(id))?.name).toBe('Acme');

      const second = await createTenant(store, { id: `${id}-b`, name: 'Beta', now: start });
      const listed = await store.listTenants();
      expect(listed.filter((tenant) => tenant.id === id || tenant.id === second.id)).toEqual([created, second]);
      const ids = listed.map((tenant) => tenant.id);
      expect(ids).toEqual([...ids].sort());

      const updated = await updateTenant(store, id, { name: 'Acme Inc', limits: { tokensPerMinute: 1000, concurrentRequests: 4 } });
      expect(updated).toEqual({ ...created, name: 'Acme Inc', limits: { tokensPerMinute: 1000, concurrentRequests: 4 } });
      expect(await replica.getTenant(id)).toEqual(updated);
      expect(await store.updateTenant('no-such-tenant', { name: 'x' })).toBeUndefined();
      await expectRefusal(updateTenant(store, 'no-such-tenant', { disabled: true }), { code: 'not_found', message: /tenant not found/ });
    });

    it('issues a key once and authenticates it', async () => {
      const { tenant, key, record } = await tenantWithKey(['inference', 'admin']);
      expect(key.startsWith(`${record.prefix}_`)).toBe(true);
      expect(record).toMatchObject({ tenantId: tenant.id, name: 'test key', scopes: ['inference', 'admin'], createdAt: start });
      expect(record).not.toHaveProperty('hash');
      expect(await store.getKey(record.id)).toEqual(record);

      const auth = await authenticate(replica, key, { now: at(minute) });
      expect(auth.tenant).toEqual(tenant);
      expect(auth.key).toMatchObject({ ...record, lastUsedAt: at(minute) });
      expect(auth.key).not.toHaveProperty('hash');
      const found = await store.findKeyByHash(hashApiKey(key));
      expect(found?.key.id).toBe(record.id);
      expect(found?.key).not.toHaveProperty('hash');
      expect(await store.findKeyByHash(hashApiKey(`${key}x`))).toBeUndefined();
    });

    it('refuses missing, malformed and unknown keys without quoting them', async () => {
      const { key, record } = await tenantWithKey();
      const secret = key.slice(record.prefix.length + 1);
      const last = secret.at(-1) === 'a' ? 'b' : 'a';
      const wrongSecret = `${key.slice(0, -1)}${last}`;
      const unknownKey = generateApiKey().key;
      await expectRefusal(authenticate(store, undefined, { now: start }), { code: 'unauthenticated', message: /missing/ });
      await expectRefusal(authenticate(store, '', { now: start }), { code: 'unauthenticated', message: /missing/ });
      await expectRefusal(authenticate(store, `${key} `, { now: start }), { code: 'unauthenticated', message: /malformed/, secret });
      await expectRefusal(authenticate(store, key.toUpperCase(), { now: start }), { code: 'unauthenticated', message: /malformed/, secret: secret.toUpperCase() });
      await expectRefusal(authenticate(store, wrongSecret, { now: start }), { code: 'unauthenticated', message: /^unknown API key$/, secret: wrongSecret.slice(record.prefix.length + 1) });
      await expectRefusal(authenticate(store, unknownKey, { now: start }), { code: 'unauthenticated', message: /^unknown API key$/, secret: unknownKey.slice(13) });
      // The right secret under another key's id is not that key.
      const otherId = record.id.startsWith('a') ? `b${record.id.slice(1)}` : `a${record.id.slice(1)}`;
      await expectRefusal(authenticate(store, `psk_${otherId}_${secret}`, { now: start }), { code: 'unauthenticated', message: /unknown/, secret });
    });

    it('refuses an expired key from its expiry on', async () => {
      const tenant = await createTenant(store, { id: newTenantId(), name: 'Expiring', now: start });
      const { key } = await createApiKey(store, { tenantId: tenant.id, scopes: ['inference'], expiresAt: at(60 * minute), now: start });
      await expect(authenticate(store, key, { now: at(60 * minute - 1) })).resolves.toBeDefined();
      await expectRefusal(authenticate(store, key, { now: at(60 * minute) }), { code: 'unauthenticated', message: /expired/, secret: key });
      await expectRefusal(createApiKey(store, { tenantId: tenant.id, scopes: ['inference'], expiresAt: start, now: start }), {
        code: 'invalid_request',
        message: /expiresAt/,
      });
    });

    it('sees a revocation at once from another replica', async () => {
      const { key, record } = await tenantWithKey();
      await expect(authenticate(replica, key, { now: start })).resolves.toBeDefined();
      const revoked = await revokeApiKey(store, record.id, { now: at(minute) });
      expect(revoked.revokedAt).toEqual(at(minute));
      await expectRefusal(authenticate(replica, key, { now: at(minute) }), { code: 'unauthenticated', message: /revoked/, secret: key });
      // A revocation stamped by a clock running ahead still counts on a replica whose clock lags.
      await expectRefusal(authenticate(replica, key, { now: start }), { code: 'unauthenticated', message: /revoked/ });
      const again = await revokeApiKey(replica, record.id, { now: at(2 * minute) });
      expect(again.revokedAt).toEqual(at(minute));
      await expectRefusal(revokeApiKey(store, 'aaaaaaaa'), { code: 'not_found', message: /API key not found/ });
    });

    it('keeps a rotated key valid for its grace period only', async () => {
      const { key: oldKey, record: oldRecord } = await tenantWithKey(['inference', 'admin']);
      await updateApiKeyLimits(store, oldRecord.id, { limits: { requestsPerMinute: 5 } });
      const rotated = await rotateApiKey(store, oldRecord.id, { graceMs: 10 * minute, now: at(minute) });
      expect(rotated.key).not.toBe(oldKey);
      expect(rotated.record).toMatchObject({
        tenantId: oldRecord.tenantId,
        name: oldRecord.name,
        scopes: oldRecord.scopes,
        limits: { requestsPerMinute: 5 },
        rotatedFrom: oldRecord.id,
        createdAt: at(minute),
      });
      expect(rotated.previous).toMatchObject({ id: oldRecord.id, replacedBy: rotated.record.id, graceUntil: at(11 * minute) });
      expect(await replica.getKey(oldRecord.id)).toEqual(rotated.previous);

      await expect(authenticate(replica, oldKey, { now: at(11 * minute - 1) })).resolves.toBeDefined();
      await expectRefusal(authenticate(replica, oldKey, { now: at(11 * minute) }), { code: 'unauthenticated', message: /rotated/, secret: oldKey });
      expect((await authenticate(replica, rotated.key, { now: at(11 * minute) })).key.id).toBe(rotated.record.id);

      await expectRefusal(rotateApiKey(store, oldRecord.id, { graceMs: 0, now: at(12 * minute) }), { code: 'invalid_request', message: /already rotated/ });
      const next = await rotateApiKey(store, rotated.record.id, { graceMs: 0, now: at(12 * minute) });
      await expectRefusal(authenticate(store, rotated.key, { now: at(12 * minute) }), { code: 'unauthenticated', message: /rotated/ });
      await expect(authenticate(store, next.key, { now: at(12 * minute) })).resolves.toBeDefined();
      await revokeApiKey(store, next.record.id, { now: at(13 * minute) });
      await expectRefusal(rotateApiKey(store, next.record.id, { graceMs: 0, now: at(14 * minute) }), { code: 'invalid_request', message: /revoked/ });
      await expectRefusal(rotateApiKey(store, 'aaaaaaaa', { graceMs: 0 }), { code: 'not_found', message: /API key not found/ });
      await expectRefusal(rotateApiKey(store, oldRecord.id, { graceMs: -1 }), { code: 'invalid_request', message: /graceMs/ });
    });

    it('gives one successor when two replicas rotate the same key at once', async () => {
      const { record } = await tenantWithKey();
      const results = await Promise.allSettled([
        rotateApiKey(store, record.id, { graceMs: minute, now: at(minute) }),
        rotateApiKey(replica, record.id, { graceMs: minute, now: at(minute) }),
      ]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const reason: unknown = lost[0]?.reason;
      expect(isPalisadeError(reason) && reason.code === 'invalid_request' && /already rotated/.test(reason.message)).toBe(true);
      const successors = (await store.listKeys(record.tenantId)).filter((key) => key.rotatedFrom === record.id);
      expect(successors).toHaveLength(1);
      expect((await store.getKey(record.id))?.replacedBy).toBe(successors[0]?.id);
      expect(won[0]?.value.record.id).toBe(successors[0]?.id);
    });

    it('rotates atomically: a successor with a taken id changes nothing', async () => {
      const { record } = await tenantWithKey();
      const { record: other } = await tenantWithKey();
      const generated = generateApiKey();
      const successor: StoredApiKey = { ...record, id: other.id, prefix: `psk_${other.id}`, hash: generated.hash, createdAt: at(minute), rotatedFrom: record.id };
      expect(await store.rotateKey({ id: record.id, successor, graceUntil: at(2 * minute) })).toEqual({ status: 'duplicate_id' });
      expect(await store.getKey(record.id)).toEqual(record);
      expect(await store.findKeyByHash(generated.hash)).toBeUndefined();
      expect(await store.rotateKey({ id: 'aaaaaaaa', successor: { ...successor, id: generated.id }, graceUntil: at(2 * minute) })).toEqual({ status: 'not_found' });
    });

    it('checks scopes, operator including admin', async () => {
      const { key: inferenceKey } = await tenantWithKey(['inference']);
      const { key: operatorKey } = await tenantWithKey(['operator']);
      const inference = await authenticate(store, inferenceKey, { now: start });
      const operator = await authenticate(store, operatorKey, { now: start });
      expect(() => requireScope(inference, 'inference')).not.toThrow();
      expect(() => requireScope(inference, 'admin')).toThrow(/lacks the "admin" scope/);
      expect(() => requireScope(operator, 'admin')).not.toThrow();
      expect(() => requireScope(operator, 'operator')).not.toThrow();
      expect(() => requireScope(operator, 'inference')).toThrow(expect.objectContaining({ code: 'forbidden' }));
      await expectRefusal(createApiKey(store, { tenantId: inference.tenant.id, scopes: [] }), { code: 'invalid_request', message: /scope/ });
      await expectRefusal(createApiKey(store, { tenantId: inference.tenant.id, scopes: ['root' as 'admin'] }), { code: 'invalid_request', message: /scopes\[0\]/ });
    });

    it('keeps tenants apart in lists and lookups', async () => {
      const a = await tenantWithKey(['admin']);
      const b = await tenantWithKey(['admin']);
      const bSecond = await createApiKey(store, { tenantId: b.tenant.id, scopes: ['inference'], now: at(1) });
      const { key: operatorKey } = await tenantWithKey(['operator']);
      expect(await store.listKeys(a.tenant.id)).toEqual([a.record]);
      const bKeys = await replica.listKeys(b.tenant.id);
      expect(bKeys.map((key) => key.id)).toEqual([b.record.id, bSecond.record.id]);
      for (const key of bKeys) expect(key).not.toHaveProperty('hash');
      expect(await store.listKeys('no-such-tenant')).toEqual([]);

      const adminA = await authenticate(store, a.key, { now: start });
      const operator = await authenticate(store, operatorKey, { now: start });
      expect(visibleTenantFilter(adminA)).toBe(a.tenant.id);
      expect(visibleTenantFilter(operator)).toBeUndefined();
      expect((await findVisibleKey(store, adminA, a.record.id)).id).toBe(a.record.id);
      // Another tenant's key looks exactly like a key that does not exist.
      await expectRefusal(findVisibleKey(store, adminA, b.record.id), { code: 'not_found', message: /^API key not found$/ });
      await expectRefusal(findVisibleKey(store, adminA, 'aaaaaaaa'), { code: 'not_found', message: /^API key not found$/ });
      await expectRefusal(findVisibleTenant(store, adminA, b.tenant.id), { code: 'not_found', message: /^tenant not found$/ });
      expect((await findVisibleKey(store, operator, b.record.id)).id).toBe(b.record.id);
      expect((await findVisibleTenant(store, operator, b.tenant.id)).id).toBe(b.tenant.id);
      await expectRefusal(findVisibleTenant(store, operator, 'no-such-tenant'), { code: 'not_found', message: /^tenant not found$/ });
    });

    it('round-trips key and tenant limits', async () => {
      const tenant = await createTenant(store, { id: newTenantId(), name: 'Limited', limits: { requestsPerMinute: 600, tokensPerMinute: 90_000 }, now: start });
      const { key, record } = await createApiKey(store, { tenantId: tenant.id, scopes: ['inference'], limits: { concurrentRequests: 2 }, now: start });
      const unlimited = await createApiKey(store, { tenantId: tenant.id, scopes: ['inference'], now: start });
      expect(record.limits).toEqual({ concurrentRequests: 2 });
      expect(unlimited.record.limits).toBeUndefined();
      expect((await replica.getKey(unlimited.record.id))?.limits).toBeUndefined();
      const auth = await authenticate(replica, key, { now: start });
      expect(auth.key.limits).toEqual({ concurrentRequests: 2 });
      expect(auth.tenant.limits).toEqual({ requestsPerMinute: 600, tokensPerMinute: 90_000 });

      const changed = await updateApiKeyLimits(store, record.id, { limits: { requestsPerMinute: 10, tokensPerMinute: 500 } });
      expect(changed.limits).toEqual({ requestsPerMinute: 10, tokensPerMinute: 500 });
      expect((await replica.getKey(record.id))?.limits).toEqual({ requestsPerMinute: 10, tokensPerMinute: 500 });
      const cleared = await updateApiKeyLimits(replica, record.id, { limits: null });
      expect(cleared.limits).toBeUndefined();
      expect((await store.getKey(record.id))?.limits).toBeUndefined();
      await expectRefusal(updateApiKeyLimits(store, record.id, { limits: { requestsPerMinute: 0 } }), { code: 'invalid_request', message: /limits\.requestsPerMinute/ });
      await expectRefusal(updateApiKeyLimits(store, record.id, { limits: { requestsPerMinut: 5 } as never }), { code: 'invalid_request', message: /limits/ });
      await expectRefusal(updateApiKeyLimits(store, 'aaaaaaaa', { limits: null }), { code: 'not_found', message: /API key not found/ });
    });

    it('refuses every key of a disabled tenant, at once', async () => {
      const { tenant, key } = await tenantWithKey();
      await updateTenant(store, tenant.id, { disabled: true });
      await expectRefusal(authenticate(replica, key, { now: start }), { code: 'unauthenticated', message: /tenant disabled/, secret: key });
      await updateTenant(replica, tenant.id, { disabled: false });
      await expect(authenticate(store, key, { now: start })).resolves.toBeDefined();
    });

    it('records the last use at most once per interval', async () => {
      const { key, record } = await tenantWithKey();
      expect(record.lastUsedAt).toBeUndefined();
      await authenticate(store, key, { now: at(0) });
      expect((await replica.getKey(record.id))?.lastUsedAt).toEqual(at(0));
      await authenticate(replica, key, { now: at(30_000) });
      expect((await store.getKey(record.id))?.lastUsedAt).toEqual(at(0));
      await authenticate(replica, key, { now: at(60_000) });
      expect((await store.getKey(record.id))?.lastUsedAt).toEqual(at(60_000));
      // The store's own condition stops a replica holding a stale record from writing again.
      await store.markKeyUsed({ id: record.id, at: at(70_000), ifUnusedSince: at(10_000) });
      expect((await store.getKey(record.id))?.lastUsedAt).toEqual(at(60_000));
      await authenticate(store, key, { now: at(200_000), lastUsedIntervalMs: 0 });
      expect((await store.getKey(record.id))?.lastUsedAt).toEqual(at(60_000));
    });

    it('reports duplicate ids and unknown tenants on insert', async () => {
      const { record } = await tenantWithKey();
      const generated = generateApiKey();
      const fresh: StoredApiKey = { ...record, id: generated.id, prefix: generated.prefix, hash: generated.hash };
      expect(await store.insertKey({ ...fresh, id: record.id, prefix: record.prefix })).toBe('duplicate_id');
      expect(await store.insertKey({ ...fresh, tenantId: 'no-such-tenant' })).toBe('unknown_tenant');
      expect(await store.insertKey(fresh)).toBe('inserted');
      expect(await replica.getKey(generated.id)).toEqual({ ...record, id: generated.id, prefix: generated.prefix });
      await expectRefusal(createApiKey(store, { tenantId: 'no-such-tenant', scopes: ['inference'] }), { code: 'not_found', message: /tenant not found/ });
    });
  });
}
