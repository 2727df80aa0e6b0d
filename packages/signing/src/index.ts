export { canonicalJson } from './canonical-json.ts';
export { keyIdOf, Signer, SigningKeyError, verifySignature, type PublicKeyInfo, type Signature } from './keys.ts';
export {
  headStatement,
  releaseStatement,
  sha256OfCanonical,
  snapshotStatement,
  type FileDigest,
} from './statements.ts';
