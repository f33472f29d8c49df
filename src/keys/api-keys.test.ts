import { describe, expect, it } from 'vitest';
import { isPalisadeError, type PalisadeError } from '../core/errors.js';
import { createApiKey, revokeApiKey, rotateApiKey } from './api-keys.js';
import { authenticate } from './authenticate.js';
import type { KeyStore } from './key-store.js';
import { MemoryKeyStore } from './memory-key-store.js';
import { createTenant, updateTenant } from './tenants.js';

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

/** Wraps a store so every argument that reaches it is kept for inspection. */
function recordingStore(store: KeyStore, override: Partial<KeyStore> = {}): { store: KeyStore; calls: { method: string; args: unknown[] }[] } {
  const calls: { method: string; args: unknown[] }[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const method = (override as Record<PropertyKey, unknown>)[property] ?? Reflect.get(target, property, target);
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args });
        return (method as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

async function caught(promise: Promise<unknown>): Promise<PalisadeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!isPalisadeError(error)) throw new Error(`expected a PalisadeError, got ${String(error)}`);
  return error;
}

async function storeWithTenant(): Promise<MemoryKeyStore> {
  const store = new MemoryKeyStore();
  await createTenant(store, { id: 'acme', name: 'Acme', now: start });
  return store;
}

describe('createApiKey', () => {
  it('returns the plaintext once and hands the store only its hash', async () => {
    const { store, calls } = recordingStore(await storeWithTenant());
    const issued = await createApiKey(store, { tenantId: 'acme', name: 'ci', scopes: ['inference'], now: start });
    const rotated = await rotateApiKey(store, issued.record.id, { graceMs: 1000, now: at(1) });
    await authenticate(store, rotated.key, { now: at(2) });
    await authenticate(store, issued.key, { now: at(3) });

    const seen = JSON.stringify(calls);
    expect(calls.map((call) => call.method)).toContain('insertKey');
    expect(calls.map((call) => call.method)).toContain('rotateKey');
    for (const key of [issued.key, rotated.key]) {
      expect(seen).not.toContain(key);
      expect(seen).not.toContain(key.slice(key.lastIndexOf('_') + 1));
    }
    expect(seen).toMatch(/"hash":"[0-9a-f]{64}"/);
    // Nor does the plaintext hide in what callers get back as the record.
    expect(JSON.stringify(issued.record)).not.toContain(issued.key.slice(13));
  });

  it('fills the record from the options', async () => {
    const store = await storeWithTenant();
    const issued = await createApiKey(store, {
      tenantId: 'acme',
      name: '  nightly job ',
      scopes: ['inference', 'inference', 'admin'],
      expiresAt: at(86_400_000),
      limits: { requestsPerMinute: 30 },
      now: start,
    });
    expect(issued.record).toEqual({
      id: issued.key.slice(4, 12),
      prefix: issued.key.slice(0, 12),
      tenantId: 'acme',
      name: 'nightly job',
      scopes: ['inference', 'admin'],
      createdAt: start,
      expiresAt: at(86_400_000),
      limits: { requestsPerMinute: 30 },
    });
  });

  it('tries another id when the store reports the id taken, and gives up on a broken random source', async () => {
    const memory = await storeWithTenant();
    let refusals = 1;
    const flaky = recordingStore(memory, {
      insertKey: async (key) => (refusals-- > 0 ? 'duplicate_id' : memory.insertKey(key)),
    });
    const issued = await createApiKey(flaky.store, { tenantId: 'acme', scopes: ['inference'] });
    const inserts = flaky.calls.filter((call) => call.method === 'insertKey');
    expect(inserts).toHaveLength(2);
    expect((inserts[0]?.args[0] as { id: string }).id).not.toBe(issued.record.id);

    const broken = recordingStore(memory, { insertKey: async () => 'duplicate_id' });
    const error = await caught(createApiKey(broken.store, { tenantId: 'acme', scopes: ['inference'] }));
    expect(error.code).toBe('internal_error');
  });

  it('refuses bad options with the field named', async () => {
    const store = await storeWithTenant();
    expect((await caught(createApiKey(store, { tenantId: 'Acme Corp', scopes: ['inference'] }))).details[0]?.path).toBe('tenantId');
    expect((await caught(createApiKey(store, { tenantId: 'acme', scopes: ['inference'], name: 'n'.repeat(201) }))).details[0]?.path).toBe('name');
    expect((await caught(createApiKey(store, { tenantId: 'acme', scopes: ['inference'], expiresAt: new Date('nonsense') }))).message).toMatch(/expiresAt/);
    expect((await caught(createApiKey(store, { tenantId: 'acme', scopes: ['inference'], limits: { tokensPerMinute: 1.5 } }))).details[0]?.path).toBe('limits.tokensPerMinute');
    expect((await caught(createApiKey(store, { tenantId: 'other', scopes: ['inference'] }))).code).toBe('not_found');
  });
});

describe('rotateApiKey', () => {
  it('keeps the expiry unless given a new one, and refuses expired keys', async () => {
    const store = await storeWithTenant();
    const issued = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'], expiresAt: at(10_000), now: start });
    const kept = await rotateApiKey(store, issued.record.id, { graceMs: 0, now: at(1) });
    expect(kept.record.expiresAt).toEqual(at(10_000));
    const extended = await rotateApiKey(store, kept.record.id, { graceMs: 0, expiresAt: at(50_000), now: at(2) });
    expect(extended.record.expiresAt).toEqual(at(50_000));
    const error = await caught(rotateApiKey(store, extended.record.id, { graceMs: 0, now: at(50_000) }));
    expect(error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/expired/) });
  });

  it('bounds the grace period', async () => {
    const store = await storeWithTenant();
    const issued = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'] });
    for (const graceMs of [-1, 1.5, Number.NaN, 31 * 24 * 60 * 60 * 1000]) {
      expect((await caught(rotateApiKey(store, issued.record.id, { graceMs }))).details[0]?.path).toBe('graceMs');
    }
  });
});

describe('authentication errors', () => {
  it('never quote the presented key, whatever the reason', async () => {
    const store = await storeWithTenant();
    const expiring = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'], expiresAt: at(1000), now: start });
    const revoked = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'], now: start });
    await revokeApiKey(store, revoked.record.id, { now: start });
    const rotated = await createApiKey(store, { tenantId: 'acme', scopes: ['inference'], now: start });
    await rotateApiKey(store, rotated.record.id, { graceMs: 0, now: start });
    await createTenant(store, { id: 'off', name: 'Off', now: start });
    const disabled = await createApiKey(store, { tenantId: 'off', scopes: ['inference'], now: start });
    await updateTenant(store, 'off', { disabled: true });

    const cases: [string, RegExp][] = [
      [expiring.key, /expired/],
      [revoked.key, /revoked/],
      [rotated.key, /rotated/],
      [disabled.key, /tenant disabled/],
      [`${expiring.key.slice(0, -1)}${expiring.key.endsWith('Q') ? 'R' : 'Q'}`, /unknown/],
      [`${revoked.key}\u200b`, /malformed/],
      [`Bearer ${revoked.key}`, /malformed/],
    ];
    for (const [presented, reason] of cases) {
      const error = await caught(authenticate(store, presented, { now: at(5000) }));
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toMatch(reason);
      const everything = `${String(error)} ${error.stack ?? ''} ${JSON.stringify(error)} ${JSON.stringify(error.details)}`;
      expect(everything).not.toContain(presented.slice(13, 53));
    }
  });
});
