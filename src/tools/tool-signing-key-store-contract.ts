/**
 * The behaviour every `ToolSigningKeyStore` backend must have, run by each backend's test file.
 * The signing key is one per database, so every case opens a fresh, empty one.
 */
import { describe, expect, it } from 'vitest';
import { generateToolSigningKey, loadToolSigningKey } from './tool-signing-key.js';
import type { ToolSigningKeyStore } from './tool-signing-key-store.js';
import { issueToolToken, verifyToolToken } from './tool-token.js';

export interface ToolSigningKeyStoreHarness {
  store: ToolSigningKeyStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: ToolSigningKeyStore;
  close(): Promise<void>;
}

export function toolSigningKeyStoreContract(backend: string, open: () => Promise<ToolSigningKeyStoreHarness>): void {
  async function withHarness(body: (harness: ToolSigningKeyStoreHarness) => Promise<void>): Promise<void> {
    const harness = await open();
    try {
      await body(harness);
    } finally {
      await harness.close();
    }
  }

  describe(`ToolSigningKeyStore contract: ${backend}`, () => {
    it('keeps the first candidate and hands it to everyone after', () =>
      withHarness(async ({ store, replica }) => {
        expect(await store.list()).toEqual([]);
        const first = generateToolSigningKey();
        expect(await store.getOrCreate(first)).toEqual(first);
        expect(await replica.getOrCreate(generateToolSigningKey())).toEqual(first);
        expect(await store.getOrCreate(generateToolSigningKey())).toEqual(first);
        const listed = await replica.list();
        expect(listed).toEqual([{ keyId: first.keyId, publicKeyPem: first.publicKeyPem, createdAt: expect.any(Date), current: true }]);
        expect(JSON.stringify(listed)).not.toContain('PRIVATE KEY');
      }));

    it('gives every replica the same key when they start at once', () =>
      withHarness(async ({ store, replica }) => {
        const candidates = Array.from({ length: 6 }, () => generateToolSigningKey());
        const results = await Promise.all(candidates.map((candidate, index) => (index % 2 === 0 ? store : replica).getOrCreate(candidate)));
        const winner = results[0];
        expect(candidates).toContainEqual(winner);
        for (const result of results) expect(result).toEqual(winner);
        expect((await store.list()).map((key) => key.keyId)).toEqual([winner?.keyId]);
      }));

    it('returns material that signs tokens the listed public key verifies', () =>
      withHarness(async ({ store, replica }) => {
        const stored = await store.getOrCreate(generateToolSigningKey());
        const signingKey = loadToolSigningKey(stored);
        const { token, claims } = issueToolToken({ signingKey, tenant: 'acme', tool: 'search', args: { q: 'x' }, singleUse: false });
        const publicKeys = (await replica.list()).map((key) => key.publicKeyPem);
        expect(await verifyToolToken(token, { publicKey: publicKeys, tool: 'search', args: '{"q":"x"}' })).toEqual(claims);
      }));
  });
}
