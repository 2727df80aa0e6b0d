import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@packhouse/config';
import type { Db } from '@packhouse/db';
import { Signer } from '@packhouse/signing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigning } from '../src/signing.ts';

// Loading a key touches no database; only ready() does.
const noDatabase = {} as Db;
const log = pino({ level: 'silent' });

describe('the signing key', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is created once in SIGNING_KEY_FILE when SIGNING_KEY is unset, private, and kept across restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'packhouse-signing-'));
    dirs.push(dir);
    const file = path.join(dir, 'data', 'signing-key');
    const config = loadConfig({ SIGNING_KEY_FILE: file });
    const first = await loadSigning(config, noDatabase, log);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await loadSigning(config, noDatabase, log);
    expect(again.signer.keyid).toBe(first.signer.keyid);
    expect(Signer.fromText(await readFile(file, 'utf8')).keyid).toBe(first.signer.keyid);
  });

  it('prefers SIGNING_KEY over the file', async () => {
    const seed = Signer.generateText();
    const dir = await mkdtemp(path.join(tmpdir(), 'packhouse-signing-'));
    dirs.push(dir);
    const config = loadConfig({ SIGNING_KEY: seed, SIGNING_KEY_FILE: path.join(dir, 'unused') });
    expect((await loadSigning(config, noDatabase, log)).signer.keyid).toBe(Signer.fromText(seed).keyid);
    await expect(stat(path.join(dir, 'unused'))).rejects.toThrow('ENOENT');
  });
});
