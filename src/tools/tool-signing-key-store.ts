/**
 * Where the gateway keeps the key pair it signs tool tokens with, so that every replica signs
 * with the same key and the key survives restarts (tool servers are configured with its public
 * key). Backends: memory, SQLite, PostgreSQL, checked by one contract suite
 * (`tool-signing-key-store-contract.ts`).
 *
 * At start-up each replica generates a candidate (`generateToolSigningKey`) and calls
 * `getOrCreate`: the first candidate stored becomes the signing key, every other replica gets
 * that one back and drops its own. Then it checks what it got with `loadToolSigningKey`.
 *
 * The private key is stored as PEM text, unencrypted: whoever can read the table can mint tool
 * tokens, as whoever can read the API keys table could not (those are hashes). Protect the
 * database accordingly.
 *
 * One key signs at a time. `list` returns every stored public key, the current one included, so
 * that a rotation (not implemented yet) can keep verifying tokens of the previous key.
 */
import type { ToolSigningKeyMaterial } from './tool-signing-key.js';

export interface ToolPublicKey {
  keyId: string;
  publicKeyPem: string;
  /** When the store first stored it (the store's clock). */
  createdAt: Date;
  /** True for the key tokens are signed with now. */
  current: boolean;
}

export interface ToolSigningKeyStore {
  /**
   * Stores `candidate` as the signing key if there is none yet, atomically across replicas (the
   * first writer wins), and returns the signing key: the candidate, or the one stored before.
   */
  getOrCreate(candidate: ToolSigningKeyMaterial): Promise<ToolSigningKeyMaterial>;
  /** Every stored public key (never a private key), oldest first. */
  list(): Promise<ToolPublicKey[]>;
}
