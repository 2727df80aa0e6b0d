import {
  headStatement,
  releaseStatement,
  sha256OfCanonical,
  snapshotStatement,
  verifySignature,
  type PublicKeyInfo,
  type Signature,
} from '@packhouse/signing';
import type { Origin } from './origin.ts';
import type { ChangesPage, KeysAnswer, OriginFile, Snapshot } from './protocol.ts';

/** Metadata the mirror refuses: it is never applied, and says why. */
export class Untrusted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Untrusted';
  }
}

/**
 * The origin's published keys, and every check of what they sign. A signature by a key not
 * yet known fetches the keys once more (a rotation), and fails if still unknown.
 */
export class Trust {
  private keys = new Map<string, PublicKeyInfo>();

  constructor(private readonly origin: Origin) {}

  async refresh(): Promise<void> {
    const { keys } = await this.origin.json<KeysAnswer>('/api/v1/keys');
    this.keys = new Map(keys.filter((key) => key.algorithm === 'ed25519').map((key) => [key.keyid, key]));
  }

  private async verify(document: unknown, signature: Signature | null | undefined): Promise<boolean> {
    if (signature && !this.keys.has(signature.keyid)) await this.refresh();
    return verifySignature(document, signature, this.keys);
  }

  /**
   * A page is applied only if its head is signed, unexpired, names the cursor asked for, and digests exactly these
   * events.
   */
  async checkPage(page: ChangesPage, since: string | null, now = Date.now()): Promise<void> {
    const { signature, ...head } = page.head;
    if (!(await this.verify(headStatement(head), signature)))
      throw new Untrusted('the change feed page head is not signed by a key the origin publishes');
    if (Date.parse(head.expires) <= now)
      throw new Untrusted(`the change feed page expired at ${head.expires} (frozen or replayed metadata)`);
    if (head.since !== since) throw new Untrusted('the page head answers another cursor than the one asked for');
    if (head.next !== page.next || head.hasMore !== page.hasMore)
      throw new Untrusted('the page does not match its signed head');
    if (sha256OfCanonical(page.events) !== head.eventsSha256)
      throw new Untrusted("the page's events do not match its signed digest");
  }

  async checkSnapshot(snapshot: Snapshot, now = Date.now()): Promise<void> {
    const { projects, signature, ...document } = snapshot;
    if (!(await this.verify(snapshotStatement(document), signature)))
      throw new Untrusted('the snapshot is not signed by a key the origin publishes');
    if (Date.parse(document.expires) <= now) throw new Untrusted(`the snapshot expired at ${document.expires}`);
    if (sha256OfCanonical(projects) !== document.projectsSha256)
      throw new Untrusted("the snapshot's projects do not match its signed digest");
  }

  /** The files of one release, when its statement's signature holds. */
  async checkRelease(release: {
    project: string;
    version: string;
    revision: number;
    publishedAt: string | null;
    files: OriginFile[];
    signature: Signature | null;
  }): Promise<boolean> {
    return this.verify(releaseStatement(release), release.signature);
  }
}
