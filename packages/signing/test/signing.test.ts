import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  keyIdOf,
  releaseStatement,
  Signer,
  SigningKeyError,
  verifySignature,
  type PublicKeyInfo,
} from '../src/index.ts';

const keysOf = (...signers: Signer[]) =>
  new Map<string, PublicKeyInfo>(
    signers.map((s) => [
      s.keyid,
      {
        keyid: s.keyid,
        algorithm: 'ed25519',
        publicKey: s.publicKey,
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: null,
      },
    ]),
  );

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined, writes no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true, u: undefined })).toBe(
      '{"a":true,"b":[1,{"c":"x","d":null}]}',
    );
    expect(canonicalJson({ é: 1, z: 2, A: 3 })).toBe('{"A":3,"z":2,"é":1}');
  });

  it('refuses what it cannot write one way only', () => {
    expect(() => canonicalJson({ size: 1.5 })).toThrow('safe integers');
    expect(() => canonicalJson({ at: () => 1 })).toThrow('function');
  });
});

describe('Ed25519 signer', () => {
  it('reads a base64 seed and a PEM, and the same seed gives the same key id', () => {
    const seed = Signer.generateText();
    const a = Signer.fromText(seed);
    expect(Signer.fromText(`${seed}\n`).keyid).toBe(a.keyid);
    expect(a.keyid).toBe(keyIdOf(Buffer.from(a.publicKey, 'base64')));
    expect(a.keyid).toMatch(/^[0-9a-f]{32}$/);
    expect(() => Signer.fromText('c2hvcnQ=')).toThrow(SigningKeyError);
    expect(() => Signer.fromText('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----')).toThrow(
      'not a readable Ed25519 private key',
    );
  });

  it('verifies only the signed statement, only with a listed key', () => {
    const signer = Signer.fromText(Signer.generateText());
    const other = Signer.fromText(Signer.generateText());
    const statement = releaseStatement({
      project: 'token',
      version: '8.x-1.0',
      revision: 2,
      files: [
        { name: 'token-8.x-1.0.zip', size: 10, sha256: 'b'.repeat(64) },
        { name: 'token-8.x-1.0.tar.gz', size: 9, sha256: 'a'.repeat(64) },
      ],
      publishedAt: '2026-11-29T10:00:00.000Z',
    });
    const signature = signer.sign(statement);
    expect(verifySignature(statement, signature, keysOf(signer))).toBe(true);
    // Re-serialized with its keys in another order, it is the same statement.
    expect(verifySignature(Object.fromEntries(Object.entries(statement).reverse()), signature, keysOf(signer))).toBe(
      true,
    );
    expect(verifySignature({ ...statement, revision: 3 }, signature, keysOf(signer))).toBe(false);
    expect(verifySignature(statement, signature, keysOf(other))).toBe(false);
    expect(verifySignature(statement, { ...signature, sig: other.sign(statement).sig }, keysOf(signer, other))).toBe(
      false,
    );
    expect(verifySignature(statement, null, keysOf(signer))).toBe(false);
  });
});
