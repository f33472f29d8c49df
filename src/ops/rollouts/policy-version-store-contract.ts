/**
 * The behaviour every `PolicyVersionStore` backend must have, run by each backend's test file.
 * The backends share one database per test file, so every test pushes texts of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyTextHash, type PolicyVersionStore } from './policy-version-store.js';

export interface PolicyVersionStoreHarness {
  store: PolicyVersionStore;
  /** A second store on the same data, as another replica has (for memory: the same store). */
  replica: PolicyVersionStore;
  close(): Promise<void>;
}

const start = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(start.getTime() + ms);

let textCounter = 0;
/** A policy text no other test pushes. */
function newText(): string {
  textCounter += 1;
  return `version: 1\nname: contract-${textCounter}-${Math.random().toString(36).slice(2, 10)}\nrules: []\n`;
}

export function policyVersionStoreContract(backend: string, open: () => Promise<PolicyVersionStoreHarness>): void {
  describe(`PolicyVersionStore contract: ${backend}`, () => {
    let harness: PolicyVersionStoreHarness;
    let store: PolicyVersionStore;
    let replica: PolicyVersionStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
      replica = harness.replica;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('stores a text under the sha256 of its bytes and reads it back exactly, on every replica', async () => {
      const text = `${newText()}# ünïcödé, 🛡️\n`;
      const pushed = await store.push({ text, name: 'default', pushedBy: 'admin001', note: 'first cut', now: start });
      const version = { hash: policyTextHash(text), name: 'default', createdAt: start, pushedBy: 'admin001', note: 'first cut' };
      expect(pushed).toEqual({ version, created: true });
      expect(version.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await replica.get(version.hash)).toEqual({ ...version, text });

      const bare = newText();
      const { version: bareVersion } = await store.push({ text: bare, name: 'bare', pushedBy: 'admin001', now: start });
      expect(bareVersion).not.toHaveProperty('note');
      expect(await replica.get(bareVersion.hash)).toEqual({ ...bareVersion, text: bare });
      expect(await store.get('0'.repeat(64))).toBeUndefined();
    });

    it('returns the stored version when the same text is pushed again, whatever the new name or note', async () => {
      const text = newText();
      const first = await store.push({ text, name: 'one', pushedBy: 'admin001', now: start });
      const again = await replica.push({ text, name: 'two', pushedBy: 'admin002', note: 'again', now: at(60_000) });
      expect(again).toEqual({ version: first.version, created: false });
      // One byte more is another version.
      const changed = await store.push({ text: `${text}\n`, name: 'one', pushedBy: 'admin001', now: at(60_000) });
      expect(changed.created).toBe(true);
      expect(changed.version.hash).not.toBe(first.version.hash);
    });

    it('creates a text pushed by two replicas at once exactly once', async () => {
      const texts = Array.from({ length: 6 }, newText);
      const results = await Promise.all(
        texts.flatMap((text) => [
          store.push({ text, name: 'a', pushedBy: 'admin-a', now: start }),
          replica.push({ text, name: 'b', pushedBy: 'admin-b', now: start }),
        ]),
      );
      expect(results.filter((result) => result.created)).toHaveLength(texts.length);
      for (const text of texts) {
        const both = results.filter((result) => result.version.hash === policyTextHash(text));
        expect(both).toHaveLength(2);
        expect(both[0]?.version).toEqual(both[1]?.version);
      }
    });

    it('lists every version without its text, newest first', async () => {
      const old = (await store.push({ text: newText(), name: 'old', pushedBy: 'admin001', now: at(1_000) })).version;
      const tiedA = (await store.push({ text: newText(), name: 'tied', pushedBy: 'admin001', now: at(2_000) })).version;
      const tiedB = (await store.push({ text: newText(), name: 'tied', pushedBy: 'admin001', now: at(2_000) })).version;
      const latest = (await store.push({ text: newText(), name: 'new', pushedBy: 'admin001', note: 'n', now: at(3_000) })).version;
      const mine = new Set([old.hash, tiedA.hash, tiedB.hash, latest.hash]);
      const listed = (await replica.list()).filter((version) => mine.has(version.hash));
      const [high, low] = tiedA.hash > tiedB.hash ? [tiedA, tiedB] : [tiedB, tiedA];
      expect(listed).toEqual([latest, high, low, old]);
      for (const version of listed) expect(version).not.toHaveProperty('text');
    });

    it('refuses malformed pushes before storing anything', async () => {
      const text = newText();
      const bad = [
        { text: '' },
        { text: '  \n' },
        { text: 'x'.repeat(1_048_577) },
        { text: 'name: a\u0000b\n' },
        { name: '' },
        { pushedBy: '' },
        { note: 'n'.repeat(4_097) },
        { now: new Date(Number.NaN) },
      ];
      for (const overrides of bad) {
        await expect(store.push({ text, name: 'p', pushedBy: 'admin001', now: start, ...overrides })).rejects.toMatchObject({ code: 'invalid_argument' });
      }
      expect(await store.get(policyTextHash(text))).toBeUndefined();
    });

    it('hands out copies: changing a result does not change the store', async () => {
      const text = newText();
      const { version } = await store.push({ text, name: 'p', pushedBy: 'admin001', now: start });
      version.createdAt.setTime(0);
      version.name = 'changed';
      const read = await store.get(policyTextHash(text));
      expect(read?.name).toBe('p');
      expect(read?.createdAt).toEqual(start);
    });
  });
}
