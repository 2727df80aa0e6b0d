import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { createRepo, type FileSpec } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archives, checkout, type Checkout, type Release } from '../src/index.ts';
import { BlobReader } from '../src/blobs.ts';
import type { GitContext } from '../src/git.ts';
import { planArchive, type ArchivePlan } from '../src/layout.ts';
import { SharedBlobs } from '../src/shared-blobs.ts';
import { tarGz } from '../src/tar.ts';
import { zip } from '../src/zip.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

afterAll(cleanUp);

const RELEASE: Release = { project: 'x', version: '1.0.0', type: 'module' };
const MB = 1024 * 1024;
/** Small enough that the test tree (~9 MB) is several windows long. */
const WINDOW = MB;
/** Over the zip's whole-file limit (streamed) and over WINDOW. */
const BIG = Buffer.concat([randomBytes(3 * MB), Buffer.alloc(3 * MB, 'a')]);

function files(): Record<string, FileSpec> {
  const tree: Record<string, FileSpec> = { 'big.bin': BIG, 'x.info.yml': 'name: X\ntype: module\n' };
  for (let i = 0; i < 300; i++) tree[`small/f${String(i).padStart(3, '0')}.txt`] = randomBytes(1024).toString('hex');
  for (let i = 0; i < 8; i++) tree[`mid/part${i}.bin`] = randomBytes(256 * 1024);
  return tree;
}

let source: Checkout;
let expected: { tarGz: Buffer; zip: Buffer };

beforeAll(async () => {
  const repo = await createRepo(files());
  repo.tag('1.0.0');
  source = await checkout({
    project: 'x',
    gitUrl: repo.url,
    ref: { tag: '1.0.0' },
    git: gitOptions(),
    limits: { ...LIMITS, maxFileBytes: 16 * MB },
  });
  // The reference: each writer on a cat-file of its own, as before blobs were shared.
  const own = planArchive(source, RELEASE, context(source));
  expected = { tarGz: await buffer(tarGz(own)), zip: await buffer(zip(own)) };
});

function context(co: Checkout): GitContext {
  return { options: co.git, gitDir: co.repoDir };
}

/** A plan whose two writers share `blobs`; `opened` keeps every cat-file it starts, in order. */
function shared(window = WINDOW, co = source) {
  const ctx = context(co);
  const planned = planArchive(co, RELEASE, ctx);
  const opened: Array<{ reader: BlobReader; first: string }> = [];
  const blobs = new SharedBlobs(
    planned.blobOids,
    2,
    (oids) => {
      const reader = BlobReader.open(ctx, oids);
      opened.push({ reader, first: oids[0]! });
      return reader;
    },
    window,
  );
  const plan: ArchivePlan = { ...planned, openReader: () => blobs.openReader() };
  return { blobs, plan, opened };
}

/** The `git cat-file` processes this test process has running (git is started by its spawner child). */
function catFiles(): number {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args! }));
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) if (ours.has(row.ppid) && !ours.has(row.pid)) grew = ours.add(row.pid) !== undefined;
  }
  return rows.filter((row) => ours.has(row.pid) && row.args.includes('cat-file --batch')).length;
}

async function noCatFileLeft(): Promise<void> {
  for (let i = 0; i < 50 && catFiles() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(catFiles()).toBe(0);
}

describe('SharedBlobs', () => {
  it('feeds both writers, read concurrently, from one cat-file, with the bytes of two', async () => {
    const { blobs, plan } = shared(16 * MB);
    const [tar, zipped] = await Promise.all([buffer(tarGz(plan)), buffer(zip(plan))]);
    expect(tar.equals(expected.tarGz)).toBe(true);
    expect(zipped.equals(expected.zip)).toBe(true);
    expect(blobs.stats).toMatchObject({ processes: 1, detached: 0 });
    await noCatFileLeft();
  });

  it('gives archives() the same bytes, consumed together or one after the other', async () => {
    const together = await archives(source, RELEASE);
    const both = await Promise.all([buffer(together.tarGz), buffer(together.zip)]);
    expect(both[0].equals(expected.tarGz) && both[1].equals(expected.zip)).toBe(true);
    const apart = await archives(source, RELEASE);
    expect((await buffer(apart.zip)).equals(expected.zip)).toBe(true);
    expect((await buffer(apart.tarGz)).equals(expected.tarGz)).toBe(true);
  });

  it('detaches the second writer when the first is read whole before it starts, holding at most a window', async () => {
    const { blobs, plan, opened } = shared();
    expect((await buffer(tarGz(plan))).equals(expected.tarGz)).toBe(true);
    expect(blobs.stats).toMatchObject({ processes: 1, detached: 1 });
    expect((await buffer(zip(plan))).equals(expected.zip)).toBe(true);
    expect(blobs.stats.processes).toBe(2);
    expect(opened[1]!.first).toBe(plan.blobOids[0]);
    expect(blobs.stats.peakBufferedBytes).toBeGreaterThan(WINDOW / 2);
    expect(blobs.stats.peakBufferedBytes).toBeLessThanOrEqual(WINDOW);
  });

  it('holds nothing for a writer that will never come', async () => {
    const { blobs, plan } = shared();
    blobs.forgo();
    expect((await buffer(zip(plan))).equals(expected.zip)).toBe(true);
    expect(blobs.stats).toEqual({ processes: 1, peakBufferedBytes: 0, detached: 0 });
  });

  it('lets one writer finish when the other is destroyed midway', async () => {
    for (const first of ['tarGz', 'zip'] as const) {
      const { blobs, plan } = shared(16 * MB);
      const quitter = first === 'tarGz' ? tarGz(plan) : zip(plan);
      const finisher = first === 'tarGz' ? zip(plan) : tarGz(plan);
      await new Promise((resolve) => quitter.once('data', resolve));
      quitter.destroy();
      const bytes = await buffer(finisher);
      expect(bytes.equals(first === 'tarGz' ? expected.zip : expected.tarGz), first).toBe(true);
      expect(blobs.stats.processes, first).toBe(1);
      await noCatFileLeft();
    }
  });

  it('kills git once every writer has stopped midway', async () => {
    const built = await archives(source, RELEASE);
    for (const stream of [built.tarGz, built.zip]) await new Promise((resolve) => stream.once('data', resolve));
    expect(catFiles()).toBe(1);
    built.tarGz.destroy();
    built.zip.destroy();
    await noCatFileLeft();
  });

  it('continues a view detached in the middle of a blob bigger than the window on its own cat-file', async () => {
    const { blobs, plan } = shared(256 * 1024);
    const [slow, fast] = [plan.openReader(), plan.openReader()];
    const index = plan.items.findIndex((item) => item.entry?.path === 'big.bin');
    const { oid, size } = plan.items[index]!.entry!;
    const before = plan.blobOids.indexOf(oid);
    for (const other of plan.blobOids.slice(0, before)) {
      const entry = plan.items.find((item) => item.entry?.oid === other)!.entry!;
      await slow.readAll(other, entry.size);
      await fast.readAll(other, entry.size);
    }
    // The slow view takes one chunk of big.bin; the fast one reads all of it, a window past.
    const slowChunks = slow.blob(oid, size)[Symbol.asyncIterator]();
    const head = (await slowChunks.next()).value as Buffer;
    expect((await fast.readAll(oid, size)).equals(BIG)).toBe(true);
    expect(blobs.stats).toMatchObject({ processes: 1, detached: 1 });
    const rest: Buffer[] = [head];
    for (let step = await slowChunks.next(); !step.done; step = await slowChunks.next()) rest.push(step.value);
    expect(Buffer.concat(rest).equals(BIG)).toBe(true);
    expect(blobs.stats.processes).toBe(2);
    expect(blobs.stats.peakBufferedBytes).toBeLessThanOrEqual(256 * 1024);
    slow.close();
    fast.close();
    await noCatFileLeft();
  });

  it('reports a blob git cannot serve to both writers', async () => {
    const tampered: Checkout = {
      ...source,
      entries: source.entries.map((e) => (e.path === 'mid/part3.bin' ? { ...e, oid: 'f'.repeat(40) } : e)),
    };
    const { blobs, plan } = shared(16 * MB, tampered);
    const results = await Promise.allSettled([buffer(tarGz(plan)), buffer(zip(plan))]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/missing/);
    }
    expect(blobs.stats.processes).toBe(1);
    await noCatFileLeft();
  });

  it('reports a git that dies midway to every view still reading', async () => {
    const { plan, opened } = shared(16 * MB);
    const [a, b] = [plan.openReader(), plan.openReader()];
    const oid = plan.blobOids[0]!;
    const size = plan.items.find((item) => item.entry?.oid === oid)!.entry!.size;
    await a.readAll(oid, size);
    opened[0]!.reader.close();
    const readEverything = async (view: typeof a, from: number) => {
      for (const next of plan.blobOids.slice(from)) {
        await view.readAll(next, plan.items.find((item) => item.entry?.oid === next)!.entry!.size);
      }
    };
    await expect(readEverything(a, 1)).rejects.toThrow(/ended early/);
    await expect(readEverything(b, 0)).rejects.toThrow(/ended early/);
  });
});
