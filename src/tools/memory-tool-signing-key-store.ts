import type { ToolSigningKeyMaterial } from './tool-signing-key.js';
import type { ToolPublicKey, ToolSigningKeyStore } from './tool-signing-key-store.js';

export interface MemoryToolSigningKeyStoreOptions {
  /** Stamps `createdAt`; tests pass a fixed clock. */
  now?: () => Date;
}

/**
 * The signing key in this process only: it is lost on restart, so tokens issued before a restart
 * stop verifying and tool servers must be given the new public key. For tests and a single
 * process that accepts that; replicas share the SQLite or PostgreSQL store.
 */
export function createMemoryToolSigningKeyStore(options: MemoryToolSigningKeyStoreOptions = {}): ToolSigningKeyStore {
  const now = options.now ?? (() => new Date());
  let current: (ToolSigningKeyMaterial & { createdAt: Date }) | undefined;
  return {
    async getOrCreate(candidate) {
      current ??= { keyId: candidate.keyId, privateKeyPem: candidate.privateKeyPem, publicKeyPem: candidate.publicKeyPem, createdAt: now() };
      return { keyId: current.keyId, privateKeyPem: current.privateKeyPem, publicKeyPem: current.publicKeyPem };
    },
    async list(): Promise<ToolPublicKey[]> {
      return current === undefined ? [] : [{ keyId: current.keyId, publicKeyPem: current.publicKeyPem, createdAt: new Date(current.createdAt.getTime()), current: true }];
    },
  };
}
