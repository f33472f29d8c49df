/**
 * The Ed25519 key pair tool tokens are signed with. The gateway holds the private key (shared by
 * its replicas through a `ToolSigningKeyStore`); tool servers get only the public key, so a tool
 * server can check a token but never mint one.
 *
 * A key id is derived from the public key (the first 16 hex digits of the sha256 of its DER SPKI
 * encoding), so it can never name another key than the one it was computed from.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PalisadeError } from '../core/errors.js';

/** A key pair as stored and exchanged: PEM text (PKCS#8 private key, SPKI public key). */
export interface ToolSigningKeyMaterial {
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A checked, parsed signing key, ready for `issueToolToken`. */
export interface ToolSigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A checked, parsed public key, as `verifyToolToken` uses it. */
export interface ToolVerificationKey {
  keyId: string;
  publicKey: KeyObject;
}

/** A fresh key pair. Store it (`ToolSigningKeyStore.getOrCreate`) before signing with it. */
export function generateToolSigningKey(): ToolSigningKeyMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId: toolKeyId(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The key id of an Ed25519 public key. */
export function toolKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/**
 * Parses stored key material and checks it is one consistent Ed25519 pair whose key id is the
 * public key's: a store returning corrupted or mismatched material fails here, at start-up,
 * rather than with tokens no tool server accepts. Messages never quote the key.
 */
export function loadToolSigningKey(material: ToolSigningKeyMaterial): ToolSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(material.privateKeyPem);
  } catch (error) {
    throw new PalisadeError('invalid_argument', 'tool signing key: the private key is not a readable PEM key', { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new PalisadeError('invalid_argument', 'tool signing key: the private key is not an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  const keyId = toolKeyId(publicKey);
  if (keyId !== material.keyId) throw new PalisadeError('invalid_argument', 'tool signing key: the key id does not match the key');
  if (toolVerificationKey(material.publicKeyPem).keyId !== keyId) throw new PalisadeError('invalid_argument', 'tool signing key: the public key does not belong to the private key');
  return { keyId, privateKey, publicKey };
}

/**
 * Parses and checks an Ed25519 public key (a `KeyObject` or SPKI PEM text) and computes its key
 * id. Parsing PEM text costs more than a verification: a tool server checking many tokens should
 * parse its key once (`createPublicKey`) and pass the `KeyObject`.
 */
export function toolVerificationKey(publicKey: KeyObject | string): ToolVerificationKey {
  let key: KeyObject;
  try {
    key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  } catch (error) {
    throw new PalisadeError('invalid_argument', 'tool token public key is not a readable PEM key', { cause: error });
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new PalisadeError('invalid_argument', 'tool token public key must be an Ed25519 public key');
  return { keyId: toolKeyId(key), publicKey: key };
}
