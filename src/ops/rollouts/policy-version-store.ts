/**
 * Policy versions: every policy text ever pushed, immutable and content-addressed. The interface
 * every backend (memory, SQLite, PostgreSQL) implements, checked by one contract suite
 * (`policy-version-store-contract.ts`).
 *
 * Two hashes name a policy, and they are not the same:
 * - `PolicyVersion.hash` (here): sha256 of the raw text as pushed, UTF-8 bytes, so it names those
 *   exact bytes. A comment or a re-indentation is a new version. It is the version's identity:
 *   rollouts, the active-version pointer and shadow records refer to it.
 * - `Policy.hash` (`src/policy`): sha256 of the parsed document in canonical JSON, so formatting
 *   and comments do not change it; decisions and audit events carry it. Parsing is the gateway's
 *   job (this module never parses a policy), so the gateway may keep both side by side.
 *
 * `push` is idempotent by content: pushing a text already stored returns the stored version
 * (`created: false`) with its original name, author, note and time; nothing is rewritten.
 * Versions are never deleted (there are few, each pushed by a person).
 */
import { createHash } from 'node:crypto';
import { checkOptionalText, checkText, checkTime, MAX_ID_LENGTH, refuse } from './check-rollout-arguments.js';

export interface PolicyVersion {
  /** sha256 hex of the text's UTF-8 bytes (`policyTextHash`): not the parsed policy's `Policy.hash`. */
  hash: string;
  /** The policy's name as given at push time (e.g. its `name:` or file name); not unique. */
  name: string;
  createdAt: Date;
  /** Who pushed it: a key id or an operator's name. */
  pushedBy: string;
  note?: string;
}

/** A version with its text, as `get` returns it (`list` leaves the texts out). */
export interface StoredPolicyVersion extends PolicyVersion {
  text: string;
}

export interface PushPolicyVersionRequest {
  text: string;
  name: string;
  pushedBy: string;
  note?: string;
  now: Date;
}

export interface PushPolicyVersionResult {
  version: PolicyVersion;
  /** False when the same text was stored already: `version` is the stored one, unchanged. */
  created: boolean;
}

export interface PolicyVersionStore {
  push(request: PushPolicyVersionRequest): Promise<PushPolicyVersionResult>;
  get(hash: string): Promise<StoredPolicyVersion | undefined>;
  /** Every version without its text, newest first (by `createdAt`, then hash, descending). */
  list(): Promise<PolicyVersion[]>;
}

/** A policy text is a YAML document a person wrote; a mebibyte is far more than any needs. */
export const MAX_POLICY_TEXT_LENGTH = 1_048_576;
export const MAX_POLICY_NOTE_LENGTH = 4_096;
const STORE = 'policy version store';

/** The version hash of a policy text: sha256 hex of its UTF-8 bytes. */
export function policyTextHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function checkPushPolicyVersionRequest(request: PushPolicyVersionRequest): void {
  if (typeof request.text !== 'string' || request.text.trim().length === 0 || request.text.length > MAX_POLICY_TEXT_LENGTH) {
    refuse(STORE, 'text', `must be non-blank text of at most ${MAX_POLICY_TEXT_LENGTH} characters`);
  }
  // YAML allows no NUL, and PostgreSQL text cannot hold one: refused alike by every backend.
  if (request.text.includes('\u0000')) refuse(STORE, 'text', 'must not contain NUL characters');
  checkText(STORE, 'name', request.name, MAX_ID_LENGTH);
  checkText(STORE, 'pushedBy', request.pushedBy, MAX_ID_LENGTH);
  checkOptionalText(STORE, 'note', request.note, MAX_POLICY_NOTE_LENGTH);
  checkTime(STORE, 'now', request.now);
}

/** Sort order of `list`: newer first, then the greater hash first. */
export function newestVersionFirst(a: PolicyVersion, b: PolicyVersion): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.hash < b.hash ? 1 : a.hash > b.hash ? -1 : 0;
}
