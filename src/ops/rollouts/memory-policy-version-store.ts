import {
  checkPushPolicyVersionRequest,
  newestVersionFirst,
  policyTextHash,
  type PolicyVersion,
  type PolicyVersionStore,
  type PushPolicyVersionResult,
  type StoredPolicyVersion,
} from './policy-version-store.js';

/**
 * Policy versions in this process only: for tests and a single process without a database.
 * Everything is copied in and out; no method awaits between its check and its write.
 */
export function createMemoryPolicyVersionStore(): PolicyVersionStore {
  const versions = new Map<string, StoredPolicyVersion>();

  return {
    async push(request): Promise<PushPolicyVersionResult> {
      checkPushPolicyVersionRequest(request);
      const hash = policyTextHash(request.text);
      const stored = versions.get(hash);
      if (stored !== undefined) return { version: withoutText(stored), created: false };
      const version: StoredPolicyVersion = { hash, name: request.name, createdAt: new Date(request.now.getTime()), pushedBy: request.pushedBy, text: request.text };
      if (request.note !== undefined) version.note = request.note;
      versions.set(hash, version);
      return { version: withoutText(version), created: true };
    },

    async get(hash) {
      const stored = versions.get(hash);
      return stored === undefined ? undefined : structuredClone(stored);
    },

    async list() {
      return [...versions.values()].map(withoutText).sort(newestVersionFirst);
    },
  };
}

function withoutText(stored: StoredPolicyVersion): PolicyVersion {
  const { text: _text, ...version } = structuredClone(stored);
  return version;
}
