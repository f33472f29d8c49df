import { describe, expect, it } from 'vitest';
import { createMemoryToolSigningKeyStore } from './memory-tool-signing-key-store.js';
import { generateToolSigningKey } from './tool-signing-key.js';
import { toolSigningKeyStoreContract } from './tool-signing-key-store-contract.js';

toolSigningKeyStoreContract('memory', async () => {
  const store = createMemoryToolSigningKeyStore();
  return { store, replica: store, close: async () => {} };
});

describe('memory tool signing key store', () => {
  it('hands out copies: mutating a result does not change the stored key', async () => {
    const createdAt = new Date('2030-01-01T00:00:00.000Z');
    const store = createMemoryToolSigningKeyStore({ now: () => createdAt });
    const candidate = generateToolSigningKey();
    const got = await store.getOrCreate(candidate);
    got.privateKeyPem = 'changed';
    candidate.publicKeyPem = 'changed too';
    const listed = await store.list();
    listed[0]?.createdAt.setTime(0);
    expect((await store.getOrCreate(generateToolSigningKey())).privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await store.list()).toEqual([{ keyId: candidate.keyId, publicKeyPem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/), createdAt, current: true }]);
  });
});
