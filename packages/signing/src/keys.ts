import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/** A detached signature over a document's canonical JSON. */
export interface Signature {
  keyid: string;
  sig: string;
}

/** A public key as `GET /api/v1/keys` lists it. */
export interface PublicKeyInfo {
  keyid: string;
  algorithm: 'ed25519';
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  validFrom: string;
  /** Set once the key was rotated out; what it signed before stays valid. */
  validUntil: string | null;
}

// DER prefixes that turn a raw 32-byte Ed25519 key into PKCS#8 / SPKI.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class SigningKeyError extends Error {}

/** Holds one Ed25519 private key; signs canonical JSON. */
export class Signer {
  readonly keyid: string;
  readonly publicKey: string;

  private constructor(private readonly privateKey: KeyObject) {
    const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
    this.publicKey = raw.toString('base64');
    this.keyid = keyIdOf(raw);
  }

  /** `SIGNING_KEY`: a PKCS#8 PEM, or the base64 of a 32-byte Ed25519 seed. */
  static fromText(text: string): Signer {
    const trimmed = text.trim();
    try {
      if (trimmed.startsWith('-----BEGIN')) {
        const key = createPrivateKey(trimmed);
        if (key.asymmetricKeyType !== 'ed25519')
          throw new SigningKeyError(`is a ${key.asymmetricKeyType} key, not Ed25519`);
        return new Signer(key);
      }
      const seed = Buffer.from(trimmed, 'base64');
      if (seed.length !== 32)
        throw new SigningKeyError(`must be a PEM private key or the base64 of 32 bytes, got ${seed.length} bytes`);
      return new Signer(createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
    } catch (error) {
      if (error instanceof SigningKeyError) throw error;
      throw new SigningKeyError(`is not a readable Ed25519 private key (${(error as Error).message})`);
    }
  }

  /** A fresh key, as the base64 seed `fromText` reads. */
  static generateText(): string {
    const { privateKey } = generateKeyPairSync('ed25519');
    return privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length).toString('base64');
  }

  sign(document: unknown): Signature {
    return {
      keyid: this.keyid,
      sig: sign(null, Buffer.from(canonicalJson(document)), this.privateKey).toString('base64'),
    };
  }
}

export function keyIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 32);
}

/** True when `signature` was made over `document` by one of `keys` (looked up by keyid). */
export function verifySignature(
  document: unknown,
  signature: Signature | null | undefined,
  keys: ReadonlyMap<string, PublicKeyInfo>,
): boolean {
  if (!signature || typeof signature.sig !== 'string') return false;
  const key = keys.get(signature.keyid);
  if (!key || key.algorithm !== 'ed25519') return false;
  return verify(null, Buffer.from(canonicalJson(document)), publicKeyOf(key), Buffer.from(signature.sig, 'base64'));
}

// A mirror verifies thousands of statements against the same few keys: each listed key is
// parsed once (keyed by the listing's object, so a new listing parses afresh).
const parsedKeys = new WeakMap<PublicKeyInfo, KeyObject>();

function publicKeyOf(key: PublicKeyInfo): KeyObject {
  let parsed = parsedKeys.get(key);
  if (!parsed) {
    parsed = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, Buffer.from(key.publicKey, 'base64')]),
      format: 'der',
      type: 'spki',
    });
    parsedKeys.set(key, parsed);
  }
  return parsed;
}
